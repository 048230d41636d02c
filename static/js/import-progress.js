// Follows a running pupil import: polls #progress-card's data-status-url, moves the
// bar and reloads the page once the import has finished. A static file, not inline
// script, so that the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";
  var card = document.getElementById("progress-card");
  if (!card) { return; }
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  function poll() {
    fetch(card.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.style.width = data.progress + "%";
        text.textContent = data.progress;
        if (!data.running) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
