// The SPARQL query page's editor. Kept in a file (not inline) so the Content-Security-Policy can
// forbid inline scripts. Without JavaScript, or if the editor fails to load, the plain form
// on the page still works.
(function () {
  "use strict";

  // Names for the editor's own form controls, which YASGUI and CodeMirror create without one
  // (axe-core: label, select-name). Results are redrawn on every query, so labels are given to
  // whatever appears, not once.
  var NAMES = [
    [".CodeMirror textarea", "SPARQL query"],
    ["input.autocomplete", "SPARQL endpoint"],
    ["select.tableSizer", "Results per page"],
    [".yasr select", "Results view option"],
    [".yasr input:not([type=hidden])", "Filter the results"]
  ];

  function nameControls(root) {
    NAMES.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) {
        if (!el.getAttribute("aria-label") && !el.labels?.length) { el.setAttribute("aria-label", pair[1]); }
      });
    });
    // A scrolling region must be reachable by keyboard (axe-core: scrollable-region-focusable);
    // CodeMirror makes its scroller tabindex=-1.
    root.querySelectorAll(".CodeMirror-scroll").forEach(function (el) {
      if (el.getAttribute("tabindex") !== "0") {
        el.setAttribute("tabindex", "0");
        el.setAttribute("aria-label", "SPARQL query, scrollable");
      }
    });
  }

  function start() {
    var holder = document.getElementById("yasgui");
    var form = document.getElementById("sparql-form");
    var dataEl = document.getElementById("sparql-data");
    if (!holder || !form || !dataEl || typeof window.Yasgui !== "function") {
      return;
    }
    var data = JSON.parse(dataEl.textContent);
    var examples = {};
    data.examples.forEach(function (ex) { examples[ex.id] = ex; });

    var yasgui;
    try {
      holder.hidden = false;
      yasgui = new window.Yasgui(holder, {
        requestConfig: { endpoint: "/sparql", method: "POST" },
        copyEndpointOnNewTab: false,
        endpointCatalogueOptions: { getData: function () { return [{ endpoint: "/sparql" }]; } },
        persistencyExpire: 0,
        yasqe: { value: data.query, resizeable: true }
      });
    } catch (err) {
      holder.hidden = true;
      return;
    }
    form.hidden = true;
    nameControls(holder);
    new MutationObserver(function () { nameControls(holder); })
      .observe(holder, { childList: true, subtree: true });
    var tab = yasgui.getTab();
    tab.setQuery(data.query);
    // Prefixes the server declares anyway: offered for completion and kept in the editor.
    var yasqe = tab.getYasqe();
    if (yasqe && typeof yasqe.addPrefixes === "function") {
      yasqe.addPrefixes(data.prefixes);
    }

    document.querySelectorAll("#sparql-examples a[data-example]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var ex = examples[link.getAttribute("data-example")];
        if (!ex) { return; }
        event.preventDefault();
        var current = yasgui.getTab();
        current.setQuery(ex.query);
        current.query();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
