// Follows a background job: polls the JSON status URL of [data-job-status] and
// updates its progress bar; reloads the page once the job has finished.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector(".progress > span");
  var label = box.querySelector("[data-job-label]");
  var delay = 1500;
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (bar && typeof data.progress === "number") { bar.style.width = data.progress + "%"; }
        if (label && data.status_label) { label.textContent = data.status_label; }
        if (data.finished) { window.location.reload(); return; }
        window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }
  window.setTimeout(poll, delay);
})();
