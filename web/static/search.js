// As-you-type suggestions for the search box (WAI-ARIA 1.2 combobox with a listbox popup).
// Without JavaScript the plain GET form goes to /search. Suggestions come from /search.json.
(function () {
  "use strict";
  var input = document.querySelector("input[data-suggest]");
  if (!input) { return; }
  var listId = input.id + "-suggestions";
  var list = document.createElement("ul");
  list.id = listId;
  list.className = "lacat-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  var status = document.createElement("div");
  status.className = "govuk-visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  input.parentNode.appendChild(list);
  input.parentNode.appendChild(status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listId);
  input.setAttribute("autocomplete", "off");
  var items = [], active = -1, timer = null, lastQuery = "";

  function close() {
    list.hidden = true; list.innerHTML = ""; items = []; active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }
  function highlight(i) {
    active = i;
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) { input.setAttribute("aria-activedescendant", items[i].id); items[i].scrollIntoView({ block: "nearest" }); }
    else { input.removeAttribute("aria-activedescendant"); }
  }
  function go(li) { window.location.href = li.getAttribute("data-href"); }
  function show(results) {
    list.innerHTML = ""; items = []; active = -1;
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = listId + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-href", r.href);
      li.className = "lacat-suggestion";
      var name = document.createElement("span");
      name.textContent = r.label;
      var detail = document.createElement("span");
      detail.className = "lacat-suggestion__detail";
      detail.textContent = " " + r.detail;
      li.appendChild(name); li.appendChild(detail);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); go(li); });
      list.appendChild(li); items.push(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", items.length ? "true" : "false");
    status.textContent = items.length ? items.length + " suggestion" + (items.length === 1 ? "" : "s") +
      ". Use the up and down arrows to choose." : "No suggestions.";
  }
  function fetchSuggestions() {
    var q = input.value.trim();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 2) { close(); return; }
    fetch("/search.json?page_size=8&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (data) { if (input.value.trim() === q) { show(data.items || []); } })
      .catch(function () { close(); });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(fetchSuggestions, 150); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") {
      if (items.length) { e.preventDefault(); highlight(active < items.length - 1 ? active + 1 : 0); }
    } else if (e.key === "ArrowUp") {
      if (items.length) { e.preventDefault(); highlight(active > 0 ? active - 1 : items.length - 1); }
    } else if (e.key === "Enter") {
      if (active >= 0 && items[active]) { e.preventDefault(); go(items[active]); }
    } else if (e.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 200); });
})();
