// Draws each plotly chart from its json_script element (templates/dataset/_chart.html).
// No inline scripts (CSP): the figure is data, read by this file and the vendored plotly-basic.min.js (plotly.js basic bundle).
(function () {
  "use strict";

  // On a phone (WCAG 1.4.10) the chart keeps its data but sheds what would overlap: the title wraps, the legend
  // goes below the plot (room is made for it under the quarter labels), and the special-cause points lose their
  // text labels, which the legend's shapes and each point's hover text still give.
  var NARROW = 576;

  function wrapWords(text, width) {
    var lines = [], line = "";
    String(text).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else line = line ? line + " " + word : word;
    });
    if (line) lines.push(line);
    return lines;
  }

  function narrow(figure) {
    var layout = figure.layout || (figure.layout = {});
    var title = layout.title || {};
    var lines = title.text ? wrapWords(title.text, 34) : [];
    var titleHeight = lines.length * 20 + 16;
    if (lines.length) title.text = lines.join("<br>");
    (figure.data || []).forEach(function (trace) {
      if (trace.mode && trace.mode.indexOf("text") !== -1) trace.mode = "markers";
    });
    var shown = (figure.data || []).filter(function (t) { return t.showlegend !== false && t.name; }).length;
    var legendHeight = Math.ceil(shown / 2) * 24 + 8;
    var xaxis = layout.xaxis || (layout.xaxis = {});
    xaxis.tickangle = -90;
    xaxis.automargin = false;
    xaxis.title = { text: "" };  // the quarter labels say what they are
    var ticks = 92;  // "2020-21 Q1" standing upright, in the 13px font
    layout.legend = { orientation: "h", x: 0, xanchor: "left", yref: "container", y: 0, yanchor: "bottom",
                      font: { size: 12 } };
    layout.margin = { l: 56, r: 8, t: titleHeight + 8, b: ticks + legendHeight + 8 };
    layout.height = 320 + layout.margin.t + layout.margin.b;
  }

  // The legend's height was guessed before drawing (its entries wrap to one a row when their names are long, as the
  // agencies' are): once drawn, if it reaches up over the quarter labels, the chart grows below the plot by the
  // overlap, so the legend sits under the labels (plotly leaves the legend where it is and moves the plot up).
  function clearLegend(div) {
    var legend = div.querySelector(".legend");
    var labels = div.querySelectorAll(".xaxislayer-above .xtick text");
    if (!legend || !labels.length || !div.layout || !div.layout.margin) return;
    var bottom = 0;
    labels.forEach(function (label) { bottom = Math.max(bottom, label.getBoundingClientRect().bottom); });
    var overlap = Math.ceil(bottom + 8 - legend.getBoundingClientRect().top);
    if (overlap > 0) {
      window.Plotly.relayout(div, { "margin.b": div.layout.margin.b + overlap, height: div.layout.height + overlap });
    }
  }

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
    var small = div.clientWidth && div.clientWidth < NARROW;
    if (small) narrow(figure);
    var drawn = window.Plotly.newPlot(div, figure.data || [], figure.layout || {}, figure.config || {});
    if (small && drawn && drawn.then) drawn.then(function () { clearLegend(div); });
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
