/* SCORM 1.2 run-time API for a package playing in EduCommons. The platform puts this
   script, with the learner's data (window.ECScormBoot), at the top of the package's entry
   page, so the SCO finds `API` on its own window (the package runs sandboxed in an opaque
   origin and cannot reach the platform's page). Reads and writes answer at once from the
   data held here; LMSCommit and LMSFinish send every value written in this session to
   the platform's page by postMessage, which saves it. The rules are the server's
   (Sources/Courses/Scorm/Scorm12Model.swift): it checks the same again. */
(function () {
  "use strict";
  var boot = window.ECScormBoot || { error: "token" };
  var values = boot.values || {};
  var written = {};
  var state = "new";
  var lastError = "0", diagnostic = "";
  var seq = 0;
  var ERR = { "0": "No error", "101": "General exception", "201": "Invalid argument error", "202": "Element cannot have children",
    "203": "Element not an array - cannot have count", "301": "Not initialized", "401": "Not implemented error",
    "402": "Invalid set value, element is a keyword", "403": "Element is read only", "404": "Element is write only",
    "405": "Incorrect data type" };
  var STATUS = ["passed", "completed", "failed", "incomplete", "browsed", "not attempted"];
  var RO = ["cmi.core.student_id", "cmi.core.student_name", "cmi.core.credit", "cmi.core.entry", "cmi.core.total_time",
    "cmi.core.lesson_mode", "cmi.launch_data", "cmi.comments_from_lms", "cmi.student_data.mastery_score",
    "cmi.student_data.max_time_allowed", "cmi.student_data.time_limit_action"];
  var CHILDREN = {
    "cmi.core._children": "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
    "cmi.core.score._children": "raw,min,max",
    "cmi.objectives._children": "id,score,status",
    "cmi.interactions._children": "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
    "cmi.student_data._children": "mastery_score,max_time_allowed,time_limit_action",
    "cmi.student_preference._children": "audio,language,speed,text"
  };
  var decimal = /^-?[0-9]+(\.[0-9]+)?$/, timespan = /^[0-9]{2,4}:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?$/,
      time = /^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,2})?$/;
  function str(n) { return function (v) { return v.length <= n; }; }
  function oneOf(list) { return function (v) { return list.indexOf(v) >= 0; }; }
  function dec(blank) { return function (v) { return v === "" ? blank : decimal.test(v); }; }
  function int(lo, hi) { return function (v) { return /^-?[0-9]+$/.test(v) && +v >= lo && +v <= hi; }; }
  var RW = {
    "cmi.core.lesson_location": str(255), "cmi.core.lesson_status": oneOf(STATUS), "cmi.core.score.raw": dec(true),
    "cmi.core.score.min": dec(true), "cmi.core.score.max": dec(true), "cmi.suspend_data": str(4096), "cmi.comments": str(4096),
    "cmi.student_preference.audio": int(-1, 100), "cmi.student_preference.language": str(255),
    "cmi.student_preference.speed": int(-100, 100), "cmi.student_preference.text": int(-1, 1)
  };
  var WO = { "cmi.core.exit": oneOf(["time-out", "suspend", "logout", ""]), "cmi.core.session_time": function (v) { return timespan.test(v); } };
  var OBJ = { "id": str(255), "score.raw": dec(true), "score.min": dec(true), "score.max": dec(true), "status": oneOf(STATUS) };
  var INT = { "id": str(255), "time": function (v) { return time.test(v); }, "type": oneOf(["true-false", "choice", "fill-in", "matching", "performance", "sequencing", "likert", "numeric"]),
    "weighting": dec(false), "student_response": str(255), "result": str(255), "latency": function (v) { return timespan.test(v); } };

  function count(list) {
    var n = 0, re = new RegExp("^cmi\\." + list + "\\.([0-9]+)\\.");
    for (var k in values) { var m = re.exec(k); if (m) n = Math.max(n, +m[1] + 1); }
    return n;
  }
  function subCount(prefix) {
    var n = 0, re = new RegExp("^" + prefix.replace(/\./g, "\\.") + "\\.([0-9]+)\\.");
    for (var k in values) { var m = re.exec(k); if (m) n = Math.max(n, +m[1] + 1); }
    return n;
  }
  function fail(code, why) { lastError = String(code); diagnostic = why || ""; return code; }
  function ready() {
    if (state === "new") { fail(301, "LMSInitialize has not been called"); return false; }
    if (state === "finished") { fail(101, "LMSFinish has been called; the session is over"); return false; }
    return true;
  }

  function getValue(el) {
    if (!ready()) return "";
    el = String(el);
    if (CHILDREN[el]) { fail(0); return CHILDREN[el]; }
    if (el === "cmi.objectives._count") { fail(0); return String(count("objectives")); }
    if (el === "cmi.interactions._count") { fail(0); return String(count("interactions")); }
    var m = /^cmi\.objectives\.([0-9]+)\.(id|score\.raw|score\.min|score\.max|status|score\._children)$/.exec(el);
    if (m) {
      if (m[2] === "score._children") { fail(0); return "raw,min,max"; }
      if (+m[1] >= count("objectives")) { fail(201, "no objective " + m[1]); return ""; }
      fail(0); return values[el] || "";
    }
    m = /^cmi\.interactions\.([0-9]+)\.(objectives|correct_responses)\._count$/.exec(el);
    if (m) { fail(0); return String(subCount("cmi.interactions." + m[1] + "." + m[2])); }
    if (/^cmi\.interactions\./.test(el)) { fail(404, "interactions are write-only in SCORM 1.2"); return ""; }
    if (WO[el]) { fail(404, el + " is write-only"); return ""; }
    if (RW[el] || RO.indexOf(el) >= 0) {
      fail(0);
      if (el === "cmi.core.lesson_status") return values[el] || "not attempted";
      return values[el] !== undefined ? values[el] : "";
    }
    if (/\._children$/.test(el)) { fail(202, el); return ""; }
    if (/\._count$/.test(el)) { fail(203, el); return ""; }
    fail(201, "no element " + el); return "";
  }

  function setValue(el, v) {
    if (!ready()) return "false";
    el = String(el); v = v === undefined || v === null ? "" : String(v);
    if (/\._(children|count)$/.test(el)) { fail(402, el); return "false"; }
    if (RO.indexOf(el) >= 0) { fail(403, el + " is read-only"); return "false"; }
    var rule = RW[el] || WO[el], m;
    if (!rule && (m = /^cmi\.objectives\.([0-9]+)\.(.+)$/.exec(el))) {
      if (+m[1] > count("objectives") || +m[1] >= 250) { fail(201, "objectives are numbered from 0 without gaps"); return "false"; }
      rule = OBJ[m[2]];
    } else if (!rule && (m = /^cmi\.interactions\.([0-9]+)\.(.+)$/.exec(el))) {
      if (+m[1] > count("interactions") || +m[1] >= 250) { fail(201, "interactions are numbered from 0 without gaps"); return "false"; }
      rule = INT[m[2]] || (/^(objectives\.[0-9]+\.id|correct_responses\.[0-9]+\.pattern)$/.test(m[2]) ? str(255) : null);
    }
    if (!rule) { fail(201, "no element " + el); return "false"; }
    if (!rule(v)) { fail(405, "'" + v.slice(0, 40) + "' does not fit " + el); return "false"; }
    values[el] = v; written[el] = v; fail(0);
    return "true";
  }

  function send(finish) {
    if (boot.browse || boot.error) return true;
    seq += 1;
    try {
      window.parent.postMessage({ ecScorm: "commit", session: boot.session, item: boot.item, seq: seq, values: written, finish: !!finish }, "*");
      return true;
    } catch (e) { return false; }
  }

  window.API = {
    LMSInitialize: function (arg) {
      if (arg !== "" && arg !== undefined) { fail(201, "LMSInitialize takes an empty string"); return "false"; }
      if (boot.error) { fail(101, "this page was opened with an old or bad link (" + boot.error + "); reload the lesson"); return "false"; }
      if (state !== "new") { fail(101, state === "running" ? "LMSInitialize was already called" : "the session is over"); return "false"; }
      state = "running"; fail(0); return "true";
    },
    LMSFinish: function (arg) {
      if (arg !== "" && arg !== undefined) { fail(201, "LMSFinish takes an empty string"); return "false"; }
      if (!ready()) return "false";
      state = "finished";
      return send(true) ? (fail(0), "true") : (fail(101, "could not reach the lesson page"), "false");
    },
    LMSGetValue: getValue,
    LMSSetValue: setValue,
    LMSCommit: function (arg) {
      if (arg !== "" && arg !== undefined) { fail(201, "LMSCommit takes an empty string"); return "false"; }
      if (!ready()) return "false";
      return send(false) ? (fail(0), "true") : (fail(101, "could not reach the lesson page"), "false");
    },
    LMSGetLastError: function () { return lastError; },
    LMSGetErrorString: function (code) { return ERR[String(code)] || ""; },
    LMSGetDiagnostic: function (code) { return code === "" || code === undefined || String(code) === lastError ? diagnostic : (ERR[String(code)] || ""); }
  };
})();
