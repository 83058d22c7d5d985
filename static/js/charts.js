// Draws each plotly chart from its json_script element (templates/dataset/_chart.html).
// No inline scripts (CSP): the figure is data, read by this file and the vendored plotly-basic.min.js (plotly.js basic bundle).
(function () {
  "use strict";

  function draw(div) {
    if (div.dataset.chartDrawn === "1" || !window.Plotly) return;
    var source = document.getElementById(div.dataset.chart);
    if (!source) return;
    var figure;
    try {
      figure = JSON.parse(source.textContent);
    } catch (error) {
      return; // the table beside the chart still has the numbers
    }
    div.dataset.chartDrawn = "1";
    window.Plotly.newPlot(div, figure.data || [], figure.layout || {}, figure.config || {});
  }

  function drawWithin(root) {
    if (root.matches && root.matches("[data-chart]")) draw(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawWithin(document);
  });
  // Charts that htmx swaps into the page later.
  document.addEventListener("htmx:load", function (event) {
    drawWithin(event.target);
  });
})();
