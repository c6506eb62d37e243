// The exam page: every answer is saved as the pupil goes. Unsent answers are kept in the
// browser (localStorage) and sent again when the link returns, so a dropped connection or a
// reload loses nothing. Each question shows its state: saving, saved, waiting to send.
// Sequence numbers only grow on this device, so a late duplicate never overwrites a newer
// answer on the server (the server keeps the highest number it has seen).
(function () {
  "use strict";
  var form = document.getElementById("attempt");
  if (!form) return;
  var attempt = form.dataset.attempt;
  var csrf = form.dataset.csrf;
  var key = "ec-exam-" + attempt;
  var pending = load();
  var seqFloor = Number(localStorage.getItem(key + "-seq") || 0);
  var sending = {};

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
  }
  function store() {
    try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* full: still sent from memory */ }
  }
  function nextSeq() {
    seqFloor = Math.max(Date.now(), seqFloor + 1);
    try { localStorage.setItem(key + "-seq", String(seqFloor)); } catch (e) {}
    return seqFloor;
  }
  function show(slot, state) {
    var box = document.querySelector('fieldset[data-slot="' + slot + '"] .save-state');
    if (!box) return;
    box.textContent = form.dataset[state] || "";
    box.dataset.state = state;
  }

  // The answer of one question, in the form the API takes.
  function response(fs) {
    var type = fs.dataset.type, slot = fs.dataset.slot, name = "q" + slot;
    var inputs = fs.querySelectorAll("[name^='" + name + "']");
    if (type === "singleChoice") {
      var r = fs.querySelector("input[name='" + name + "']:checked");
      return r ? { choices: [Number(r.value)] } : null;
    }
    if (type === "multipleResponse") {
      var picked = [];
      fs.querySelectorAll("input[name='" + name + "']:checked").forEach(function (c) { picked.push(Number(c.value)); });
      return { choices: picked };
    }
    if (type === "trueFalse") {
      var t = fs.querySelector("input[name='" + name + "']:checked");
      return t ? { value: t.value === "true" } : null;
    }
    if (type === "matching") {
      var m = [];
      inputs.forEach(function (s) { m.push(s.value || null); });
      return { matches: m };
    }
    if (type === "ordering") {
      var idx = [];
      inputs.forEach(function (s, i) { idx.push({ i: i, p: s.value === "" ? 1e9 : Number(s.value) }); });
      idx.sort(function (a, b) { return a.p - b.p || a.i - b.i; });
      return { order: idx.map(function (x) { return x.i; }) };
    }
    if (type === "cloze") {
      var g = [];
      inputs.forEach(function (s) { g.push(s.value); });
      return { gaps: g };
    }
    return { text: inputs[0] ? inputs[0].value : "" };
  }

  function send(slot) {
    var item = pending[slot];
    if (!item || sending[slot] || !navigator.onLine) { if (item) show(slot, "queued"); return; }
    sending[slot] = true;
    show(slot, "saving");
    fetch("/attempts/" + attempt + "/answers/" + slot, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify({ seq: item.seq, response: item.response })
    }).then(function (res) {
      sending[slot] = false;
      if (res.ok) {
        // Only forget what was sent: a newer change made meanwhile stays queued.
        if (pending[slot] && pending[slot].seq === item.seq) { delete pending[slot]; store(); show(slot, "saved"); }
        else send(slot);
      } else if (res.status === 409 || res.status === 404 || res.status === 422) {
        // Time is up or the attempt is closed: the server's word is final.
        delete pending[slot]; store(); show(slot, "refused");
      } else {
        show(slot, "queued");
      }
    }).catch(function () {
      sending[slot] = false;
      show(slot, "queued");
    });
  }

  function changed(ev) {
    var fs = ev.target.closest("fieldset.question");
    if (!fs) return;
    var r = response(fs);
    if (!r) return;
    pending[fs.dataset.slot] = { seq: nextSeq(), response: r };
    store();
    send(fs.dataset.slot);
  }
  form.addEventListener("change", changed);
  // Typing in a text answer is saved after a pause, not on every key.
  var timers = {};
  form.addEventListener("input", function (ev) {
    if (ev.target.tagName !== "TEXTAREA" && ev.target.type !== "text" && ev.target.tagName !== "INPUT") return;
    if (ev.target.type === "radio" || ev.target.type === "checkbox") return;
    var fs = ev.target.closest("fieldset.question");
    if (!fs) return;
    clearTimeout(timers[fs.dataset.slot]);
    timers[fs.dataset.slot] = setTimeout(function () { changed(ev); }, 800);
  });

  function flush() { Object.keys(pending).forEach(send); }
  function linkState() {
    var el = document.getElementById("link-state");
    if (el) el.textContent = navigator.onLine ? el.dataset.online : el.dataset.offline;
  }
  window.addEventListener("online", function () { linkState(); flush(); });
  window.addEventListener("offline", linkState);
  setInterval(flush, 5000);
  linkState();
  // Answers left unsent by an earlier visit (closed tab, reload without a link) go now.
  Object.keys(pending).forEach(function (slot) { show(slot, "queued"); });
  flush();

  // Handing in waits for the queue: nothing the pupil saw queued is left behind.
  form.addEventListener("submit", function (ev) {
    if (Object.keys(pending).length === 0) return;
    if (!navigator.onLine) { ev.preventDefault(); flush(); return; }
  });

  // The clock counts down to the server's deadline.
  var clock = document.getElementById("clock");
  var deadline = Date.parse(clock.dataset.deadline);
  function tick() {
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = "⏱ " + m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 0) clearInterval(timer);
  }
  var timer = setInterval(tick, 1000);
  tick();
})();
