// Posts the LTI hand-over form as soon as the page loads: the launch goes on to the tool
// (or back to the platform) without a click. Without scripts the button does the same.
document.addEventListener('DOMContentLoaded', function () {
  var f = document.getElementById('lti-autopost');
  if (f) { f.submit(); }
});
