// The live room: one WebSocket, the room drawn from its messages. Reconnects on its own
// (the server sends the whole state again on each join, so a stale page catches up).
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  var room = box.dataset.room, moderates = box.dataset.moderates === "true", broadcast = box.dataset.broadcast === "true";
  function t(k) { return box.getAttribute("data-t-" + k) || k; }
  var $ = function (id) { return document.getElementById(id); };
  var status = $("live-status"), chat = $("live-chat"), questions = $("live-questions"), poll = $("live-poll");
  var ws = null, wait = 1000, ended = false, handUp = false, voted = {}, me = null, ice = [];
  function el(tag, text, cls) { var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function send(o) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(o)); }
  function addChat(m) {
    var li = el("li");
    li.appendChild(el("strong", m.from + ": "));
    li.appendChild(document.createTextNode(m.text));
    if (m.private) li.appendChild(el("span", " (" + t("private") + ")", "muted"));
    chat.appendChild(li);
    while (chat.children.length > 200) chat.removeChild(chat.firstChild);
  }
  function showQuestion(q) {
    var li = document.getElementById("q-" + q.id) || el("li");
    li.id = "q-" + q.id; li.textContent = "";
    li.appendChild(el("span", q.from + ": " + q.text + " "));
    li.appendChild(el("span", "▲ " + q.votes + (q.answered ? " · " + t("answered") : ""), "muted"));
    if (q.published) { var up = el("button", t("upvote"), "link"); up.type = "button"; up.onclick = function () { send({ type: "upvote", question: q.id }); }; li.appendChild(up); }
    if (moderates && !q.answered) { var a = el("button", t("answered"), "link"); a.type = "button"; a.onclick = function () { send({ type: "answered", question: q.id }); }; li.appendChild(a); }
    if (moderates && !q.published) { var p = el("button", t("publish"), "link"); p.type = "button"; p.onclick = function () { send({ type: "publish", question: q.id }); }; li.appendChild(p); }
    if (!li.parentNode) questions.appendChild(li);
  }
  function showPoll(p) {
    poll.hidden = false; poll.textContent = "";
    poll.appendChild(el("h2", t("poll") + ": " + p.question));
    var seeCounts = moderates || voted[p.id] !== undefined || !p.open;
    p.options.forEach(function (o, n) {
      var row = el("p");
      if (p.open && !moderates) { var b = el("button", o, "secondary"); b.type = "button"; b.onclick = function () { voted[p.id] = n; send({ type: "vote", poll: p.id, option: n }); }; row.appendChild(b); }
      else row.appendChild(el("span", o + (p.correct === n ? " ✓" : "")));
      if (seeCounts) { var bar = el("progress"); bar.max = Math.max(1, p.votes); bar.value = p.counts[n]; row.appendChild(document.createTextNode(" ")); row.appendChild(bar); row.appendChild(el("span", " " + p.counts[n], "muted")); }
      poll.appendChild(row);
    });
    // A closed quiz tells each voter how they did.
    if (!p.open && p.quiz && voted[p.id] !== undefined) poll.appendChild(el("p", voted[p.id] === p.correct ? t("quiz-right") : t("quiz-wrong"), "quiz-result"));
    if (moderates && p.open) { var c = el("button", t("close-poll")); c.type = "button"; c.onclick = function () { send({ type: "closePoll" }); }; poll.appendChild(c); }
  }
  // The host's slide: a page number, or a Library resource at that page, shown as the
  // Library shows it to this reader (the server checks they may see it).
  var shownSlide = "";
  function showSlide(s) {
    $("live-stage").hidden = false;
    var box = $("live-slide"), key = (s.resource || "") + "/" + s.page;
    if (key === shownSlide) return;
    shownSlide = key;
    if (!s.resource) { box.textContent = t("page") + " " + s.page; return; }
    fetch("/live/" + room + "/slide?resource=" + encodeURIComponent(s.resource) + "&page=" + s.page, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (v) {
        if (shownSlide !== key) return;
        box.textContent = "";
        box.appendChild(el("p", v.title + " · " + t("page") + " " + s.page, "muted"));
        var e;
        if (v.type === "image") { e = el("img"); e.alt = v.title; }
        else if (v.type === "video" || v.type === "audio") { e = el(v.type); e.controls = true; }
        else if (v.type === "pdf" || v.type === "epub" || v.type === "package") { e = el("iframe", undefined, "doc"); e.title = v.title; if (v.type !== "pdf") e.setAttribute("sandbox", v.type === "package" ? "allow-scripts allow-forms" : ""); }
        else { e = el("a", v.title); e.href = v.src; }
        if (e.tagName !== "A") e.src = v.src;
        e.id = "live-slide-view"; e.dataset.type = v.type;
        box.appendChild(e);
      }, function () { if (shownSlide === key) box.textContent = t("page") + " " + s.page + " (" + t("slide-unavailable") + ")"; });
  }
  var hands = {};
  function showHands() { var h = $("live-hands"); if (h) h.textContent = Object.keys(hands).length ? t("hands") + ": " + Object.keys(hands).join(", ") : ""; }
  function onMessage(e) {
    var m; try { m = JSON.parse(e.data); } catch (x) { return; }
    switch (m.type) {
      case "welcome":
        wait = 1000; me = m.you.id; ice = (m.media && m.media.iceServers) || [];
        // A new socket is a new member of the call: what the old one had is gone.
        Object.keys(peers).forEach(dropPeer); if (joined) send({ type: "media", on: true }); status.textContent = t("connected") + " · " + t("present") + ": " + m.state.present;
        questions.textContent = ""; (m.state.questions || []).forEach(showQuestion);
        hands = {}; (m.state.hands || []).forEach(function (n) { hands[n] = true; }); showHands();
        if (m.state.poll) showPoll(m.state.poll); if (m.state.slide) showSlide(m.state.slide); break;
      case "presence":
        status.textContent = t("connected") + " · " + t("present") + ": " + m.count + (m.hosts === 0 && !moderates ? " · " + t("host-away") : "") + (weak ? " · " + t("weak-link") : "");
        break;
      case "chat": addChat(m); break;
      case "question": showQuestion(m); break;
      case "poll": showPoll(m); break;
      case "slide": showSlide(m); break;
      case "hand": if (m.up) hands[m.from] = true; else delete hands[m.from]; showHands(); break;
      case "pong": if (pingAt && Date.now() - pingAt > 2000) weakLink(); pingAt = 0; break;
      case "peer": if (m.on) offerTo(m.id, m.name); else dropPeer(m.id); break;
      case "signal": onSignal(m); break;
      case "ended": ended = true; stopMedia(false); status.textContent = t("ended-note"); if (ws) ws.close(); break;
      case "error": status.textContent = t(m.code.replace("live.", "")) || t("error"); break;
    }
  }
  // Audio and video (interactive rooms): WebRTC between the browsers, the room's socket as
  // the signalling channel. Whoever was in the call first offers to each newcomer, so two
  // browsers never offer to each other at once; the server only passes the messages on.
  var local = null, joined = false, peers = {}, videos = $("live-videos"), mediaButton = $("live-media"), audioOnly = $("live-audio-only");
  var check = $("live-check"), level = $("live-level"), meterTimer = null;
  function tile(id, name) {
    var f = document.getElementById("v-" + id);
    if (!f) {
      f = el("figure"); f.id = "v-" + id;
      var v = el("video"); v.autoplay = true; v.playsInline = true; if (id === "me") { v.muted = true; } else { v.className = "remote"; v.dataset.peer = id; }
      f.appendChild(v); f.appendChild(el("figcaption", name)); videos.appendChild(f);
    }
    return f.querySelector("video");
  }
  function peer(id, name) {
    if (peers[id]) return peers[id];
    var pc = new RTCPeerConnection({ iceServers: ice });
    peers[id] = pc;
    local.getTracks().forEach(function (tr) { pc.addTrack(tr, local); });
    pc.onicecandidate = function (e) { if (e.candidate) send({ type: "signal", to: id, data: { candidate: e.candidate.toJSON() } }); };
    pc.ontrack = function (e) { var v = tile(id, name || ""); if (v.srcObject !== e.streams[0]) v.srcObject = e.streams[0]; };
    pc.onconnectionstatechange = function () { if (pc.connectionState === "failed") dropPeer(id); };
    return pc;
  }
  function offerTo(id, name) {
    if (!joined) return;
    var pc = peer(id, name);
    pc.createOffer().then(function (o) { return pc.setLocalDescription(o); })
      .then(function () { send({ type: "signal", to: id, data: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } }); });
  }
  function onSignal(m) {
    if (!joined) return;
    var pc = peer(m.from, m.name), d = m.data || {};
    if (d.type === "offer") {
      pc.setRemoteDescription(d).then(function () { return pc.createAnswer(); }).then(function (a) { return pc.setLocalDescription(a); })
        .then(function () { send({ type: "signal", to: m.from, data: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } }); });
    } else if (d.type === "answer") { pc.setRemoteDescription(d); }
    else if (d.candidate) { pc.addIceCandidate(d.candidate).catch(function () {}); }
  }
  function dropPeer(id) {
    if (peers[id]) { peers[id].close(); delete peers[id]; }
    var f = document.getElementById("v-" + id); if (f) f.parentNode.removeChild(f);
  }
  function stopMedia(tell) {
    Object.keys(peers).forEach(dropPeer);
    if (local) { local.getTracks().forEach(function (tr) { tr.stop(); }); local = null; dropPeer("me"); }
    if (joined && tell) send({ type: "media", on: false });
    joined = false;
    if (meterTimer) { clearInterval(meterTimer); meterTimer = null; } if (level) level.hidden = true;
    if (mediaButton) mediaButton.textContent = t("camera");
    if (audioOnly) audioOnly.hidden = true;
  }
  // The camera and microphone, asked for once: the device check and the call share them.
  function devices() {
    if (local) return Promise.resolve(local);
    if (!navigator.mediaDevices || !window.RTCPeerConnection) return Promise.reject(new Error("no media"));
    return navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240, frameRate: 15 } }).then(function (s) {
      local = s; tile("me", t("you")).srcObject = s; return s;
    });
  }
  // Before joining: see yourself and watch the microphone's level move.
  if (check) check.onclick = function () {
    devices().then(function (s) {
      if (!level || meterTimer || !window.AudioContext) return;
      var ctx = new AudioContext(), an = ctx.createAnalyser(), buf = new Uint8Array(256);
      ctx.createMediaStreamSource(s).connect(an);
      level.hidden = false;
      meterTimer = setInterval(function () {
        an.getByteTimeDomainData(buf); var peak = 0;
        for (var i = 0; i < buf.length; i++) peak = Math.max(peak, Math.abs(buf[i] - 128));
        level.value = peak / 128;
      }, 100);
    }, function () { status.textContent = t("media-denied"); });
  };
  if (mediaButton) mediaButton.onclick = function () {
    if (joined) return stopMedia(true);
    devices().then(function () {
      joined = true;
      mediaButton.textContent = t("leave-call"); if (audioOnly) audioOnly.hidden = false;
      send({ type: "media", on: true });
    }, function () { status.textContent = t("media-denied"); });
  };
  // On a weak link: stop sending and showing video, keep the sound.
  if (audioOnly) audioOnly.onclick = function () {
    var on = !videos.classList.contains("audio-only");
    videos.classList.toggle("audio-only", on);
    if (local) local.getVideoTracks().forEach(function (tr) { tr.enabled = !on; });
    audioOnly.textContent = on ? t("video-back") : t("audio-only");
  };
  // A broadcast's stream: on a weak link, stop the video and follow the slides and chat.
  var slidesOnly = $("live-slides-only"), stream = $("live-stream");
  if (slidesOnly && stream) slidesOnly.onclick = function () {
    var box = $("live-broadcast"), on = !box.classList.contains("slides-only");
    box.classList.toggle("slides-only", on);
    if (on) { stream.pause(); stream.removeAttribute("src"); stream.load(); } else { stream.src = stream.dataset.src; stream.play().catch(function () {}); }
    slidesOnly.textContent = on ? t("stream-back") : t("slides-only");
  };
  if (stream) stream.dataset.src = stream.getAttribute("src");
  // A weak link (the browser says 2G, or the room's ping takes over 2 s): drop the video once,
  // keep the sound, slides, chat and questions. People can switch back.
  var weak = false, pingAt = 0;
  function weakLink() {
    if (weak) return;
    weak = true;
    if (joined && audioOnly && !videos.classList.contains("audio-only")) audioOnly.click();
    var b = $("live-broadcast"); if (slidesOnly && b && !b.classList.contains("slides-only")) slidesOnly.click();
    status.textContent += " · " + t("weak-link");
  }
  var net = navigator.connection;
  function checkNet() { if (net && /(^|-)2g$/.test(net.effectiveType || "")) weakLink(); }
  if (net && net.addEventListener) net.addEventListener("change", checkNet);
  setInterval(function () { if (ws && ws.readyState === 1) { pingAt = Date.now(); send({ type: "ping" }); } }, 20000);
  function connect() {
    status.textContent = t("connecting");
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live/rooms/" + room + "/socket");
    ws.onmessage = onMessage;
    ws.onclose = function () {
      if (ended) return;
      status.textContent = t("reconnecting");
      setTimeout(connect, wait); wait = Math.min(wait * 2, 30000);
    };
  }
  $("live-chat-form").onsubmit = function (e) { e.preventDefault(); var i = $("live-text"); if (i.value.trim()) send({ type: "chat", text: i.value }); i.value = ""; };
  $("live-ask-form").onsubmit = function (e) { e.preventDefault(); var i = $("live-question"); if (i.value.trim()) send({ type: "ask", text: i.value }); i.value = ""; };
  var hand = $("live-hand");
  if (hand) hand.onclick = function () { handUp = !handUp; send({ type: "hand", up: handUp }); hand.textContent = handUp ? t("lower-hand") : t("raise-hand"); };
  var pf = $("live-poll-form");
  if (pf) pf.onsubmit = function (e) {
    e.preventDefault();
    var right = parseInt($("live-poll-correct").value, 10);
    send({ type: "poll", question: $("live-poll-q").value, options: $("live-poll-o").value.split("\n"), correct: right > 0 ? right - 1 : null });
  };
  var sf = $("live-slide-form");
  // The resource is a Library id or the address of its page (/library/<id>).
  if (sf) sf.onsubmit = function (e) {
    e.preventDefault();
    var m = ($("live-resource").value || "").match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    send({ type: "slide", resource: m ? m[0] : null, page: parseInt($("live-page").value, 10) || 1 });
  };
  connect();
  checkNet();
})();
