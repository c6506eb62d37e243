// Saves what a SCORM 1.2 package reports (scorm12-api.js in its frame posts each commit
// here). A commit that cannot be sent now is kept in this browser and sent again, every
// 10 s and on the next visit; each commit carries all of the session's values, so the
// latest one is all that needs to arrive.
(function () {
  var box = document.getElementById("scorm");
  var frame = document.querySelector(".viewer iframe");
  if (!box || !frame) return;
  var item = box.dataset.item, csrf = box.dataset.csrf, status = document.getElementById("scorm-status");
  var key = "ec-scorm-" + item, pending = null, timer = null;
  function say(text) { if (status) status.textContent = text; }
  function save(c) {
    pending = c;
    try { localStorage.setItem(key, JSON.stringify(c)); } catch (e) {}
    fetch("/course-items/" + item + "/scorm", {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(c)
    }).then(function (r) {
      if (r.ok || r.status === 409 || r.status === 422) {
        // Saved, or refused for good (an old session, values the package should not have sent).
        if (pending === c) { pending = null; try { localStorage.removeItem(key); } catch (e) {} }
        say(r.ok ? box.dataset.saved : box.dataset.refused);
      } else { retry(); }
    }).catch(retry);
  }
  function retry() {
    say(box.dataset.unsaved);
    if (!timer) timer = setTimeout(function () { timer = null; if (pending) save(pending); }, 10000);
  }
  window.addEventListener("message", function (e) {
    if (e.source !== frame.contentWindow || !e.data || e.data.ecScorm !== "commit") return;
    var d = e.data;
    if (pending && pending.session === d.session && pending.seq > d.seq) return;
    save({ session: d.session, seq: d.seq, values: d.values, finish: d.finish });
  });
  try {
    var left = JSON.parse(localStorage.getItem(key) || "null");
    if (left) save(left);
  } catch (e) {}
})();
