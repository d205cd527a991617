// The SPARQL query page's editor. Kept in a file (not inline) so the Content-Security-Policy can
// forbid inline scripts. Without JavaScript, or if the editor fails to load, the plain form
// on the page still works.
(function () {
  "use strict";

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
