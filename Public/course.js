// Reports how far a lesson's video or audio has played, and where it stopped, so progress
// counts and the next visit resumes there. Sends at most every 15 s while playing, and on
// pause and end. The page works without it: the item is only not marked as watched.
(function () {
  var w = document.getElementById("watch");
  var media = document.querySelector(".viewer video, .viewer audio");
  if (!w || !media) return;
  var item = w.dataset.item, csrf = w.dataset.csrf, furthest = 0, last = 0;
  var start = parseFloat(w.dataset.position || "0");
  media.addEventListener("loadedmetadata", function () {
    if (start > 0 && start < media.duration - 2) media.currentTime = start;
  });
  function send() {
    if (!media.duration || !isFinite(media.duration)) return;
    var pct = Math.min(100, Math.round(furthest / media.duration * 100));
    last = Date.now();
    fetch("/course-items/" + item + "/progress", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify({ event: "watched", percent: pct, position: media.currentTime })
    }).catch(function () {});
  }
  media.addEventListener("timeupdate", function () {
    // Only what was played counts: a jump forward does not.
    if (media.currentTime - furthest < 2) furthest = Math.max(furthest, media.currentTime);
    if (Date.now() - last > 15000) send();
  });
  media.addEventListener("pause", send);
  media.addEventListener("ended", function () { furthest = media.duration; send(); });
})();
