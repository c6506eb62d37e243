// The live room: one WebSocket, the room drawn from its messages. Reconnects on its own
// (the server sends the whole state again on each join, so a stale page catches up).
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  var room = box.dataset.room, moderates = box.dataset.moderates === "true", broadcast = box.dataset.broadcast === "true";
  function t(k) { return box.getAttribute("data-t-" + k) || k; }
  var $ = function (id) { return document.getElementById(id); };
  var status = $("live-status"), chat = $("live-chat"), questions = $("live-questions"), poll = $("live-poll");
  var ws = null, wait = 1000, ended = false, handUp = false, voted = {};
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
    var seeCounts = moderates || voted[p.id] || !p.open;
    p.options.forEach(function (o, n) {
      var row = el("p");
      if (p.open && !moderates) { var b = el("button", o, "secondary"); b.type = "button"; b.onclick = function () { voted[p.id] = true; send({ type: "vote", poll: p.id, option: n }); }; row.appendChild(b); }
      else row.appendChild(el("span", o));
      if (seeCounts) { var bar = el("progress"); bar.max = Math.max(1, p.votes); bar.value = p.counts[n]; row.appendChild(document.createTextNode(" ")); row.appendChild(bar); row.appendChild(el("span", " " + p.counts[n], "muted")); }
      poll.appendChild(row);
    });
    if (moderates && p.open) { var c = el("button", t("close-poll")); c.type = "button"; c.onclick = function () { send({ type: "closePoll" }); }; poll.appendChild(c); }
  }
  function showSlide(s) { $("live-stage").hidden = false; $("live-slide").textContent = t("page") + " " + s.page; }
  var hands = {};
  function showHands() { var h = $("live-hands"); if (h) h.textContent = Object.keys(hands).length ? t("hands") + ": " + Object.keys(hands).join(", ") : ""; }
  function onMessage(e) {
    var m; try { m = JSON.parse(e.data); } catch (x) { return; }
    switch (m.type) {
      case "welcome":
        wait = 1000; status.textContent = t("connected") + " · " + t("present") + ": " + m.state.present;
        questions.textContent = ""; (m.state.questions || []).forEach(showQuestion);
        hands = {}; (m.state.hands || []).forEach(function (n) { hands[n] = true; }); showHands();
        if (m.state.poll) showPoll(m.state.poll); if (m.state.slide) showSlide(m.state.slide); break;
      case "presence": status.textContent = t("connected") + " · " + t("present") + ": " + m.count; break;
      case "chat": addChat(m); break;
      case "question": showQuestion(m); break;
      case "poll": showPoll(m); break;
      case "slide": showSlide(m); break;
      case "hand": if (m.up) hands[m.from] = true; else delete hands[m.from]; showHands(); break;
      case "ended": ended = true; status.textContent = t("ended-note"); if (ws) ws.close(); break;
      case "error": status.textContent = t(m.code.replace("live.", "")) || t("error"); break;
    }
  }
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
  if (pf) pf.onsubmit = function (e) { e.preventDefault(); send({ type: "poll", question: $("live-poll-q").value, options: $("live-poll-o").value.split("\n") }); };
  var sf = $("live-slide-form");
  if (sf) sf.onsubmit = function (e) { e.preventDefault(); send({ type: "slide", page: parseInt($("live-page").value, 10) || 1 }); };
  connect();
})();
