// Behaviour every page shares, attached from here rather than with inline event
// handlers (onclick=, onchange=…) so that the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // <select data-autosubmit>: submit its form as soon as the choice changes.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });
  // <form data-confirm="question">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // <form data-selection>: a "select all" box for the rows shown and the count of ticked
  // rows in the sticky action bar. Without JavaScript the form still works: each box is
  // ticked by hand, and "add all shown" is a button of its own.
  function selectionForm(el) {
    return el instanceof HTMLElement ? el.closest("form[data-selection]") : null;
  }
  function refreshSelection(form) {
    var boxes = form.querySelectorAll("input[type=checkbox][name]");
    var ticked = form.querySelectorAll("input[type=checkbox][name]:checked").length;
    var count = form.querySelector("[data-selected-count]");
    if (count) { count.textContent = String(ticked); }
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }
  document.addEventListener("change", function (event) {
    var form = selectionForm(event.target);
    if (!form) { return; }
    if (event.target.hasAttribute("data-select-all")) {
      var checked = event.target.checked;
      form.querySelectorAll("input[type=checkbox][name]").forEach(function (box) {
        box.checked = checked;
      });
    }
    refreshSelection(form);
  });
  document.querySelectorAll("form[data-selection]").forEach(function (form) {
    form.querySelectorAll("[data-select-all], [data-js-only]").forEach(function (el) { el.hidden = false; });
    refreshSelection(form);
  });
})();
