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
    // One box in the table's header, one above the cards on a phone (the header is hidden there).
    form.querySelectorAll("[data-select-all]").forEach(function (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
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

  // The header's menu on a phone: the button opens and closes it. Without this script the
  // button stays hidden and the menu stays open (the stylesheet collapses only .collapsible).
  function setUpMenu() {
    var header = document.querySelector(".topbar");
    var toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) { return; }
    header.classList.add("collapsible");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) {
        header.classList.remove("open");
        toggle.setAttribute("aria-expanded", "false");
        toggle.focus();
      }
    });
  }

  // Lists as cards on a phone: each body cell gets its column's heading as data-label, which
  // the stylesheet prints before the value. Headers of several rows (merged cells) are laid
  // on a grid so that a cell under a two-row heading reads "Group – Column".
  function headingGrid(thead) {
    var grid = [];
    Array.prototype.forEach.call(thead.rows, function (row, r) {
      grid[r] = grid[r] || [];
      var col = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        while (grid[r][col] !== undefined) { col += 1; }
        var text = cell.textContent.replace(/\s+/g, " ").trim();
        for (var dr = 0; dr < (cell.rowSpan || 1); dr += 1) {
          grid[r + dr] = grid[r + dr] || [];
          for (var dc = 0; dc < (cell.colSpan || 1); dc += 1) { grid[r + dr][col + dc] = text; }
        }
        col += cell.colSpan || 1;
      });
    });
    var labels = [];
    var width = grid.reduce(function (w, row) { return Math.max(w, row.length); }, 0);
    for (var c = 0; c < width; c += 1) {
      var parts = [];
      grid.forEach(function (row) {
        var text = row[c];
        if (text && parts.indexOf(text) === -1) { parts.push(text); }
      });
      labels.push(parts.join(" – "));
    }
    return labels;
  }

  function labelCells(table) {
    var thead = table.tHead;
    if (!thead || !thead.rows.length) { return; }
    var labels = headingGrid(thead);
    var bodies = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) { bodies.push(table.tFoot); }
    bodies.forEach(function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label")) {
            var span = cell.colSpan || 1;
            var label = span > 1 ? "" : labels[col] || "";
            cell.setAttribute("data-label", label);
            // A heading too long for the label column goes above its value instead.
            if (label.length > 14) { cell.classList.add("label-above"); }
          }
          col += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("as-cards");
  }

  function setUp() {
    setUpMenu();
    Array.prototype.forEach.call(document.querySelectorAll("table.table:not(.no-cards)"), labelCells);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
