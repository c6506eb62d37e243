// Picks the video rendition for the connection: 360p on slow links or data saver, else 720p.
document.querySelectorAll("video[data-sources]").forEach(function (v) {
  var c = navigator.connection || {};
  var slow = c.saveData || /(^|-)2g|3g/.test(c.effectiveType || "");
  var sources = v.querySelectorAll("source");
  var want = slow ? "360p" : "720p";
  for (var i = 0; i < sources.length; i++) {
    if (sources[i].dataset.label === want) { v.src = sources[i].src; break; }
  }
});
