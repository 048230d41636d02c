// The admin's export form: the "select all" box of each resource ticks or clears that
// resource's field boxes. Bound here because the Content-Security-Policy refuses the
// package's inline onchange handler.
(function () {
  "use strict";
  function wire() {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        var row = toggle.closest("[resource-index]");
        var index = row ? row.getAttribute("resource-index") : null;
        var selector = index === null
          ? ".selectable-field-export-row input[type=checkbox]"
          : '.selectable-field-export-row[resource-index="' + index + '"] input[type=checkbox]';
        document.querySelectorAll(selector).forEach(function (box) {
          if (box !== toggle) { box.checked = toggle.checked; }
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
