// The admin's periodic task form: under the crontab field, the chosen schedule in words
// (django-celery-beat did this with an inline script, refused by the CSP).
(function () {
  "use strict";
  function wire() {
    var data = document.getElementById("readable-crontabs");
    var select = document.getElementById("id_crontab");
    var help = document.querySelector(".field-crontab .help");
    if (!data || !select) { return; }
    var readable = JSON.parse(data.textContent);
    var label = (document.getElementById("crontab-translation-label") || {}).textContent || "";
    var original = help ? help.textContent : "";
    document.querySelectorAll(".field-crontab_translation").forEach(function (row) {
      row.style.display = "none";
    });
    select.addEventListener("change", function () {
      if (!help) { return; }
      help.textContent = original;
      var words = readable[select.value];
      if (words) {
        help.appendChild(document.createElement("br"));
        help.appendChild(document.createTextNode(label + ": " + words));
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
