// Shows upload progress on forms marked "upload". Without JavaScript the form posts as usual.
document.querySelectorAll("form.upload").forEach(function (form) {
  form.addEventListener("submit", function (e) {
    if (!window.XMLHttpRequest || !window.FormData) return;
    e.preventDefault();
    var bar = document.getElementById(form.dataset.progress);
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (ev) {
      if (bar && ev.lengthComputable) { bar.hidden = false; bar.value = Math.round(100 * ev.loaded / ev.total); }
    };
    xhr.onload = function () {
      // Success redirects to the resource page; a refusal returns the form with its messages.
      if (xhr.responseURL && xhr.responseURL !== form.action && xhr.status < 400) { location.href = xhr.responseURL; return; }
      document.open(); document.write(xhr.responseText); document.close();
    };
    xhr.onerror = function () { if (button) button.disabled = false; if (bar) bar.hidden = true; };
    if (button) button.disabled = true;
    xhr.send(new FormData(form));
  });
});
