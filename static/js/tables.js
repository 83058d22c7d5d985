// Small screens (WCAG 1.4.10 reflow). The server writes every table inside
// <div class="table-scroll" role="region" aria-labelledby="<caption id>" tabindex="0"> (neglect_portal/templatetags/
// tables.py), and CSS scrolls it sideways, so no table widens the page even without JavaScript. What CSS cannot do is
// tell whether the box scrolls: while the table fits, this takes the region's tab stop and landmark away (nothing to
// scroll, so nothing to focus), and gives them back when the box scrolls again (a narrower window, a longer table).
(function () {
  "use strict";

  function fit(box) {
    var scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls) {
      box.setAttribute("role", "region");
      box.setAttribute("tabindex", "0");
    } else {
      box.removeAttribute("role");
      box.removeAttribute("tabindex");
    }
  }

  function fitAll(root) {
    root.querySelectorAll(".table-scroll[aria-labelledby]").forEach(fit);
  }

  document.addEventListener("DOMContentLoaded", function () {
    fitAll(document);
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { fitAll(document); }, 150);
    });
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelectorAll) fitAll(event.target);
  });
})();
