// Small progressive enhancements; the pages work without them. No inline scripts (CSP).
(function () {
  "use strict";

  // Error summary (GOV.UK pattern): focus it on load, and make each link focus its field with the
  // field's label in view, rather than scrolling the label out of sight.
  function enhanceErrorSummary(summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      (label || target).scrollIntoView();
      target.focus({ preventScroll: true });
      history.replaceState(null, "", "#" + target.id);
    });
  }

  // Forms marked data-submit-once disable their submit buttons after the first submit,
  // so a double click sends one request.
  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
    });
  }

  // Return form: show the percentage, rate or mean as the numerator and denominator are typed.
  var SCALE = { percentage: 100, rate_per_10k: 10000, mean: 1 };
  function parse(text) {
    var clean = (text || "").trim().replace(/,/g, "");
    return /^-?\d+(\.\d+)?$/.test(clean) ? parseFloat(clean) : null;
  }
  function liveRatio(row) {
    var unit = row.dataset.unit;
    var out = row.querySelector("output[data-computed]");
    var inputs = row.querySelectorAll("input[data-figure]");
    if (!out || inputs.length !== 2 || !(unit in SCALE)) return;
    function update() {
      var n = parse(inputs[0].value), d = parse(inputs[1].value);
      if (n === null || d === null || d === 0) { out.textContent = "–"; return; }
      var v = (n / d) * SCALE[unit];
      var text = v.toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      out.textContent = unit === "percentage" ? text + "%" : unit === "rate_per_10k" ? text + " per 10,000" : text;
    }
    inputs.forEach(function (input) { input.addEventListener("input", update); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("fieldset.indicator-row").forEach(liveRatio);
    document.querySelectorAll("[data-error-summary]").forEach(enhanceErrorSummary);
    document.querySelectorAll("form[data-submit-once]").forEach(submitOnce);
  });
})();
