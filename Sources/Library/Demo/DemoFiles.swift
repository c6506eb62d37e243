import Foundation
import Platform

/// Small real files for the demo commons, made here so nothing third-party is shipped:
/// PDFs that any viewer opens, SVG diagrams, a WAV tone, an HTML5 simulation and an EPUB.
enum DemoFiles {
    /// A one-page PDF with a title and lines of text (Helvetica has no Vietnamese or
    /// Chinese glyphs, so the page text is folded to ASCII; the metadata keeps the marks).
    static func pdf(title: String, lines: [String]) -> Data {
        func ascii(_ s: String) -> String {
            String(TextFolding.fold(s).unicodeScalars.filter { $0.isASCII && $0 != "(" && $0 != ")" && $0 != "\\" }.map(Character.init))
        }
        var text = "BT /F1 20 Tf 50 780 Td (\(ascii(title))) Tj ET\n"
        for (i, l) in lines.enumerated() { text += "BT /F1 12 Tf 50 \(740 - i * 20) Td (\(ascii(l))) Tj ET\n" }
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(text.utf8.count) >>\nstream\n\(text)endstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (i, o) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(i + 1) 0 obj\n\(o)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for o in offsets { out += String(repeating: "0", count: 10 - String(o).count) + "\(o) 00000 n \n" }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(out.utf8)
    }

    static func svg(_ body: String, width: Int = 400, height: Int = 300) -> Data {
        Data("""
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" font-family="sans-serif">
        <rect width="100%" height="100%" fill="#fff"/>
        \(body)
        </svg>
        """.utf8)
    }

    static let triangle = svg("""
        <polygon points="60,250 340,250 60,60" fill="#dbe9f7" stroke="#0b5cad" stroke-width="3"/>
        <rect x="60" y="230" width="20" height="20" fill="none" stroke="#0b5cad"/>
        <text x="190" y="280" font-size="22">a</text><text x="30" y="160" font-size="22">b</text><text x="210" y="145" font-size="22">c</text>
        <text x="150" y="40" font-size="24" fill="#1a1a1a">a² + b² = c²</text>
        """)

    static let parabola = svg("""
        <line x1="20" y1="250" x2="380" y2="250" stroke="#555"/><line x1="200" y1="20" x2="200" y2="290" stroke="#555"/>
        <path d="M 60 40 Q 200 460 340 40" fill="none" stroke="#a1121b" stroke-width="3"/>
        <text x="250" y="60" font-size="20">y = x² − 4</text><text x="110" y="275" font-size="16">x₁ = −2</text><text x="250" y="275" font-size="16">x₂ = 2</text>
        """)

    static let cell = svg("""
        <ellipse cx="200" cy="150" rx="170" ry="120" fill="#eef8f1" stroke="#0f6b2f" stroke-width="4"/>
        <circle cx="200" cy="150" r="45" fill="#cfe3f5" stroke="#0b5cad" stroke-width="3"/>
        <ellipse cx="300" cy="110" rx="30" ry="14" fill="#6bbf59"/><ellipse cx="110" cy="190" rx="30" ry="14" fill="#6bbf59"/>
        <text x="165" y="155" font-size="16">细胞核</text><text x="280" y="90" font-size="14">叶绿体</text><text x="20" y="30" font-size="18">植物细胞 · Tế bào thực vật</text>
        """)

    static let waterCycle = svg("""
        <rect x="0" y="220" width="400" height="80" fill="#cfe3f5"/>
        <circle cx="340" cy="60" r="30" fill="#f5c623"/>
        <ellipse cx="150" cy="70" rx="70" ry="30" fill="#d0d0d0"/>
        <path d="M 260 210 C 260 150 220 120 200 100" stroke="#0b5cad" stroke-width="3" fill="none" marker-end="url(#a)"/>
        <path d="M 120 105 L 110 200" stroke="#0b5cad" stroke-width="3" stroke-dasharray="6 6"/>
        <text x="230" y="170" font-size="16">evaporation</text><text x="40" y="160" font-size="16">rain</text><text x="140" y="75" font-size="16">cloud</text>
        """)

    /// One second of A4 (440 Hz), 8 kHz mono 8-bit PCM.
    static let tone: Data = {
        let rate = 8000, n = rate
        var d = Data("RIFF".utf8)
        func u32(_ v: Int) -> Data { withUnsafeBytes(of: UInt32(v).littleEndian) { Data($0) } }
        func u16(_ v: Int) -> Data { withUnsafeBytes(of: UInt16(v).littleEndian) { Data($0) } }
        d += u32(36 + n) + Data("WAVEfmt ".utf8) + u32(16) + u16(1) + u16(1) + u32(rate) + u32(rate) + u16(1) + u16(8)
        d += Data("data".utf8) + u32(n)
        d += Data((0..<n).map { UInt8(128 + 90 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) })
        return d
    }()

    /// A SCORM 1.2 SCO of our own: three questions on the 7 times table. It finds the API
    /// the way ADL's wrapper does (this window, then its parents), resumes from
    /// suspend_data, and on "Nộp bài" reports its answers as interactions, the score and
    /// passed (2 of 3 or more) or failed, then finishes.
    static let scormQuiz: Data = {
        var z = ZipWriter()
        z.add("imsmanifest.xml", Data("""
        <?xml version="1.0" encoding="UTF-8"?>
        <manifest identifier="edu.educommons.demo.bangnhan7" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
          <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
          <organizations default="org"><organization identifier="org"><title>Luyện tập bảng nhân 7</title>
            <item identifier="i1" identifierref="r1"><title>Luyện tập bảng nhân 7</title><adlcp:masteryscore>67</adlcp:masteryscore></item>
          </organization></organizations>
          <resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html"><file href="index.html"/><file href="quiz.js"/></resource></resources>
        </manifest>
        """.utf8))
        z.add("index.html", Data("""
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Luyện tập bảng nhân 7</title><style>body{font-family:sans-serif;margin:1rem;line-height:1.5}label{display:block;margin:.3rem 0}button{font-size:1rem;padding:.5rem 1rem}</style></head>
        <body><h1>Luyện tập bảng nhân 7</h1><form id="quiz">
        <fieldset><legend>7 × 3 = ?</legend><label><input type="radio" name="q1" value="21"> 21</label><label><input type="radio" name="q1" value="24"> 24</label></fieldset>
        <fieldset><legend>7 × 6 = ?</legend><label><input type="radio" name="q2" value="42"> 42</label><label><input type="radio" name="q2" value="48"> 48</label></fieldset>
        <fieldset><legend>7 × 9 = ?</legend><label><input type="radio" name="q3" value="56"> 56</label><label><input type="radio" name="q3" value="63"> 63</label></fieldset>
        <button type="submit" id="submit">Nộp bài</button></form><p id="result" role="status"></p><script src="quiz.js"></script></body></html>
        """.utf8))
        z.add("quiz.js", Data("""
        function findAPI(win) { var n = 0; while (win && !win.API && win.parent && win.parent !== win && n++ < 7) { try { win = win.parent; } catch (e) { return null; } } return win && win.API ? win.API : null; }
        var api = findAPI(window), keys = { q1: "21", q2: "42", q3: "63" }, form = document.getElementById("quiz"), out = document.getElementById("result");
        var started = Date.now();
        if (!api || api.LMSInitialize("") !== "true") { out.textContent = "Không kết nối được với hệ thống học tập."; }
        else {
          if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") api.LMSSetValue("cmi.core.lesson_status", "incomplete");
          var saved = api.LMSGetValue("cmi.suspend_data");
          if (saved) saved.split(";").forEach(function (p) { var kv = p.split("="); var el = form.querySelector("input[name=" + kv[0] + "][value='" + kv[1] + "']"); if (el) el.checked = true; });
          if (api.LMSGetValue("cmi.core.entry") === "resume") out.textContent = "Tiếp tục bài đang làm.";
        }
        function answers() { var a = {}; ["q1", "q2", "q3"].forEach(function (q) { var c = form.querySelector("input[name=" + q + "]:checked"); if (c) a[q] = c.value; }); return a; }
        function span(ms) { var s = Math.round(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60; s = s % 60;
          return ("000" + h).slice(-4) + ":" + ("0" + m).slice(-2) + ":" + ("0" + s).slice(-2); }
        form.addEventListener("change", function () {
          if (!api) return;
          var a = answers(); api.LMSSetValue("cmi.suspend_data", Object.keys(a).map(function (k) { return k + "=" + a[k]; }).join(";"));
          api.LMSSetValue("cmi.core.exit", "suspend"); api.LMSCommit("");
        });
        form.addEventListener("submit", function (e) {
          e.preventDefault();
          var a = answers(), right = 0;
          ["q1", "q2", "q3"].forEach(function (q, n) {
            if (a[q] === keys[q]) right++;
            if (api) { api.LMSSetValue("cmi.interactions." + n + ".id", q); api.LMSSetValue("cmi.interactions." + n + ".type", "choice");
              api.LMSSetValue("cmi.interactions." + n + ".student_response", a[q] || ""); api.LMSSetValue("cmi.interactions." + n + ".result", a[q] === keys[q] ? "correct" : "wrong"); }
          });
          out.textContent = "Đúng " + right + "/3 câu.";
          if (!api) return;
          api.LMSSetValue("cmi.core.score.raw", String(right)); api.LMSSetValue("cmi.core.score.min", "0"); api.LMSSetValue("cmi.core.score.max", "3");
          api.LMSSetValue("cmi.core.lesson_status", right >= 2 ? "passed" : "failed");
          api.LMSSetValue("cmi.core.exit", ""); api.LMSSetValue("cmi.core.session_time", span(Date.now() - started));
          api.LMSCommit(""); api.LMSFinish(""); api = null;
          document.getElementById("submit").disabled = true;
        });
        """.utf8))
        return z.finish()
    }()

    /// A cmi5 AU of our own: one question on the 8 times table. It fetches its LRS
    /// credentials once, reads LMS.LaunchData, and reports initialized, then passed or
    /// failed with the score, completed and terminated, in the launch's registration and
    /// session (cmi5 §9). moveOn is CompletedAndPassed with a mastery score of 0.5.
    static let cmi5Lesson: Data = {
        var z = ZipWriter()
        z.add("cmi5.xml", Data("""
        <?xml version="1.0" encoding="utf-8"?>
        <courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
          <course id="https://educommons.local/demo/cmi5/bang-nhan-8">
            <title><langstring lang="vi">Bảng nhân 8</langstring></title>
            <description><langstring lang="vi">Một câu hỏi về bảng nhân 8, ghi kết quả qua cmi5.</langstring></description>
          </course>
          <au id="https://educommons.local/demo/cmi5/bang-nhan-8/au1" moveOn="CompletedAndPassed" masteryScore="0.5">
            <title><langstring lang="vi">Bảng nhân 8</langstring></title>
            <description><langstring lang="vi">Một câu hỏi về bảng nhân 8.</langstring></description>
            <url>index.html</url>
          </au>
        </courseStructure>
        """.utf8))
        z.add("index.html", Data("""
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Bảng nhân 8</title><style>body{font-family:sans-serif;margin:1rem;line-height:1.5}label{display:block}button{font-size:1rem;padding:.5rem 1rem}</style></head>
        <body><h1>Bảng nhân 8</h1><p id="status" role="status">Đang kết nối…</p>
        <form id="au"><fieldset><legend>8 × 7 = ?</legend><label><input type="radio" name="a" value="54"> 54</label><label><input type="radio" name="a" value="56"> 56</label></fieldset>
        <button type="submit" id="done" disabled>Hoàn thành</button></form><script src="au.js"></script></body></html>
        """.utf8))
        z.add("au.js", Data("""
        var q = new URLSearchParams(location.search), out = document.getElementById("status");
        var endpoint = q.get("endpoint"), actor = JSON.parse(q.get("actor") || "null"), reg = q.get("registration"), au = q.get("activityId");
        var auth = null, template = {}, started = Date.now();
        function qs(o) { return Object.keys(o).map(function (k) { return k + "=" + encodeURIComponent(o[k]); }).join("&"); }
        function lrs(method, path, body) {
          return fetch(endpoint + path, { method: method, body: body ? JSON.stringify(body) : undefined,
            headers: { "Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json" } })
            .then(function (r) { if (!r.ok) throw new Error(method + " " + path + ": " + r.status); return r.status === 204 ? null : r.json(); });
        }
        function send(verb, result, moveOn) {
          var ctx = JSON.parse(JSON.stringify(template)); ctx.registration = reg;
          ctx.contextActivities = ctx.contextActivities || {};
          ctx.contextActivities.category = [{ id: "https://w3id.org/xapi/cmi5/context/categories/cmi5" }].concat(moveOn ? [{ id: "https://w3id.org/xapi/cmi5/context/categories/moveon" }] : []);
          var s = { actor: actor, verb: { id: "http://adlnet.gov/expapi/verbs/" + verb, display: { "en-US": verb } },
            object: { objectType: "Activity", id: au }, context: ctx, timestamp: new Date().toISOString() };
          if (result) s.result = result;
          return lrs("POST", "statements", s);
        }
        fetch(q.get("fetch"), { method: "POST" }).then(function (r) { return r.json(); }).then(function (j) {
          if (!j["auth-token"]) throw new Error("fetch: " + (j["error-text"] || "no token"));
          auth = "Basic " + j["auth-token"];
          return lrs("GET", "activities/state?" + qs({ stateId: "LMS.LaunchData", activityId: au, agent: JSON.stringify(actor), registration: reg }));
        }).then(function (data) {
          template = data.contextTemplate || {};
          return send("initialized");
        }).then(function () {
          out.textContent = "Đã kết nối. Chọn đáp án rồi bấm Hoàn thành.";
          document.getElementById("done").disabled = false;
        }).catch(function (e) { out.textContent = "Không kết nối được: " + e.message; });
        document.getElementById("au").addEventListener("submit", function (e) {
          e.preventDefault();
          var c = document.querySelector("input[name=a]:checked"), right = c && c.value === "56";
          var secs = Math.round((Date.now() - started) / 1000);
          document.getElementById("done").disabled = true;
          send(right ? "passed" : "failed", { score: { scaled: right ? 1 : 0 }, success: right, duration: "PT" + secs + "S" }, true)
            .then(function () { return send("completed", { completion: true, duration: "PT" + secs + "S" }, true); })
            .then(function () { return send("terminated", { duration: "PT" + secs + "S" }); })
            .then(function () { out.textContent = right ? "Đúng rồi! Đã ghi kết quả." : "Chưa đúng. Đã ghi kết quả."; })
            .catch(function (e) { out.textContent = "Chưa ghi được: " + e.message; });
        });
        """.utf8))
        return z.finish()
    }()

    /// A pendulum whose length and gravity the pupil changes; the period is shown.
    static let pendulum: Data = {
        var z = ZipWriter()
        z.add("index.html", Data("""
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>Con lắc đơn</title><style>body{font-family:sans-serif;margin:1rem}canvas{width:100%;max-width:480px;border:1px solid #ccc}</style></head>
        <body><h1>Con lắc đơn</h1>
        <label>Chiều dài (m) <input id="len" type="range" min="0.2" max="2" step="0.1" value="1"></label>
        <label>g (m/s²) <input id="g" type="range" min="1.6" max="24.8" step="0.1" value="9.8"></label>
        <p id="period"></p><canvas id="c" width="480" height="320"></canvas><script src="sim.js"></script></body></html>
        """.utf8))
        z.add("sim.js", Data("""
        var c = document.getElementById("c"), x = c.getContext("2d"), t0 = performance.now();
        function frame(now) {
          var L = +document.getElementById("len").value, g = +document.getElementById("g").value;
          var T = 2 * Math.PI * Math.sqrt(L / g), th = 0.5 * Math.cos(2 * Math.PI * (now - t0) / 1000 / T);
          document.getElementById("period").textContent = "T = " + T.toFixed(2) + " s";
          var px = 240 + 120 * L * Math.sin(th), py = 20 + 120 * L * Math.cos(th);
          x.clearRect(0, 0, 480, 320); x.beginPath(); x.moveTo(240, 20); x.lineTo(px, py); x.stroke();
          x.beginPath(); x.arc(px, py, 14, 0, 7); x.fillStyle = "#0b5cad"; x.fill();
          requestAnimationFrame(frame);
        }
        requestAnimationFrame(frame);
        """.utf8))
        return z.finish()
    }()

    /// A two-chapter EPUB 3 e-textbook.
    static func epub(title: String, language: String, chapters: [(String, String)]) -> Data {
        var z = ZipWriter()
        z.add("mimetype", Data("application/epub+zip".utf8))
        z.add("META-INF/container.xml", Data("""
        <?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
        <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>
        """.utf8))
        let items = chapters.indices.map { "<item id=\"c\($0)\" href=\"c\($0).xhtml\" media-type=\"application/xhtml+xml\"/>" }.joined()
        let spine = chapters.indices.map { "<itemref idref=\"c\($0)\"/>" }.joined()
        z.add("OEBPS/content.opf", Data("""
        <?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
        <metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:identifier id="id">urn:educommons:demo:\(Digest.sha256Hex(title).prefix(12))</dc:identifier>
        <dc:title>\(title)</dc:title><dc:language>\(language)</dc:language><meta property="dcterms:modified">2026-01-01T00:00:00Z</meta></metadata>
        <manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>\(items)</manifest><spine>\(spine)</spine></package>
        """.utf8))
        let links = chapters.enumerated().map { "<li><a href=\"c\($0.offset).xhtml\">\($0.element.0)</a></li>" }.joined()
        z.add("OEBPS/nav.xhtml", Data("""
        <?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="\(language)">
        <head><title>\(title)</title></head><body><nav epub:type="toc"><ol>\(links)</ol></nav></body></html>
        """.utf8))
        for (i, (heading, body)) in chapters.enumerated() {
            z.add("OEBPS/c\(i).xhtml", Data("""
            <?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" lang="\(language)"><head><title>\(heading)</title></head>
            <body><h1>\(heading)</h1><p>\(body)</p></body></html>
            """.utf8))
        }
        return z.finish()
    }
}
