// Renders every chart whose Vega-Lite spec the server put in a data-vega-spec attribute.
// vega-embed's own expression interpreter (ast: true) is used so Vega never needs eval or
// new Function, which the Content-Security-Policy forbids.
(function () {
  "use strict";
  if (typeof window.vegaEmbed !== "function") { return; }
  var charts = document.querySelectorAll("[data-vega-spec]");
  Array.prototype.forEach.call(charts, function (el) {
    var spec;
    try { spec = JSON.parse(el.getAttribute("data-vega-spec")); } catch (e) { return; }
    window.vegaEmbed(el, spec, { actions: false, renderer: "svg", ast: true }).then(function (result) {
      // The summary next to the chart describes it; the SVG itself is an image with that label.
      var svg = el.querySelector("svg");
      var summary = document.getElementById(el.getAttribute("aria-describedby"));
      if (svg && summary) {
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", summary.textContent.replace(/^Summary:\s*/, ""));
        svg.setAttribute("focusable", "false");
      }
      el.setAttribute("data-rendered", "true");
      return result;
    }).catch(function () { el.setAttribute("data-rendered", "failed"); });
  });
})();
