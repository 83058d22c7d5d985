// Small screens (WCAG 1.4.10 reflow): a table wider than the page scrolls inside its own box, never the page.
// Every table is put in a div.table-scroll (tables already in Bootstrap's .table-responsive keep theirs). While
// the box actually scrolls it is a labelled region that takes keyboard focus, so it can be scrolled with the
// arrow keys (axe: scrollable-region-focusable); while the table fits, it is a plain div and no extra tab stop.
(function () {
  "use strict";

  var BOXES = ".table-scroll, .table-responsive";

  function nameOf(table) {
    var caption = table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    // Otherwise the nearest heading before it.
    var headings = document.querySelectorAll("main h1, main h2, main h3, main h4");
    var name = "";
    headings.forEach(function (h) {
      if (h.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING) name = h.textContent.trim();
    });
    return name || "Table";
  }

  function wrap(table) {
    if (table.closest(BOXES) || table.closest("[data-no-table-scroll]")) return;
    var box = document.createElement("div");
    box.className = "table-scroll";
    table.parentNode.insertBefore(box, table);
    box.appendChild(table);
  }

  function label(box) {
    var table = box.querySelector("table");
    if (!table) return;
    var scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", nameOf(table) + " (scrolls sideways)");
      box.setAttribute("tabindex", "0");
      box.dataset.tableScrolls = "1";
    } else if (box.dataset.tableScrolls === "1") {
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("tabindex");
      delete box.dataset.tableScrolls;
    }
  }

  function enhance(root) {
    root.querySelectorAll("table").forEach(wrap);
    root.querySelectorAll(BOXES).forEach(label);
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { document.querySelectorAll(BOXES).forEach(label); }, 150);
    });
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) enhance(event.target);
  });
})();
