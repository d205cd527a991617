// Sorts tables marked .lacat-sortable in the browser when a column header is activated. Without
// JavaScript the same headers are links that ask the server for the sorted table (?sort=&order=).
(function () {
  "use strict";
  function cellValue(row, index, numeric) {
    var cell = row.cells[index];
    var raw = cell ? cell.getAttribute("data-sort-value") : "";
    if (numeric) { return raw === "" || raw === null ? null : parseFloat(raw); }
    return (raw || (cell ? cell.textContent : "")).trim().toLowerCase();
  }
  function sortBy(table, th) {
    var headers = Array.prototype.slice.call(th.parentNode.children);
    var index = headers.indexOf(th);
    var numeric = th.getAttribute("data-sort-numeric") === "true";
    var current = th.getAttribute("aria-sort");
    var ascending = current === "none" ? !numeric : current !== "ascending";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, numeric), y = cellValue(b, index, numeric);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }  // rows without a value always last
      if (y === null) { return -1; }
      var d = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    headers.forEach(function (h) { if (h.hasAttribute("aria-sort")) { h.setAttribute("aria-sort", "none"); } });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var status = document.getElementById(table.id + "-sort-status");
    if (status) { status.textContent = "Sorted by " + th.textContent.trim() + ", " + (ascending ? "ascending" : "descending"); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.lacat-sortable"), function (table) {
    var status = document.createElement("p");
    status.id = table.id + "-sort-status";
    status.className = "govuk-visually-hidden";
    status.setAttribute("role", "status");
    table.parentNode.insertBefore(status, table.nextSibling);
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort-key]"), function (th) {
      var link = th.querySelector("a");
      if (!link) { return; }
      // A button is the right control once sorting happens in place (no navigation).
      var button = document.createElement("button");
      button.type = "button";
      button.className = "lacat-sort-button";
      button.textContent = link.textContent;
      th.replaceChild(button, link);
      button.addEventListener("click", function () { sortBy(table, th); });
    });
  });
})();
