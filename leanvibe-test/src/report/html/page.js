// Filtering and sorting for the leanvibe-test report. The page reads fully
// without it: every row is in the markup, and the controls stay hidden.
(function () {
  "use strict";
  var each = function (list, f) { Array.prototype.forEach.call(list, f); };
  document.documentElement.setAttribute("data-js", "on");
  var table = document.getElementById("all");
  var controls = document.getElementById("controls");
  if (table && controls) {
    var filter = document.getElementById("filter");
    var status = document.getElementById("status");
    var shown = document.getElementById("shown");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var apply = function () {
      var text = filter.value.toLowerCase();
      var want = status.value;
      var count = 0;
      rows.forEach(function (row) {
        var name = row.cells[row.cells.length - 3].textContent.toLowerCase();
        var keep = name.indexOf(text) !== -1 && (!want || row.className === want);
        row.hidden = !keep;
        if (keep) { count += 1; }
      });
      shown.textContent = count + " of " + rows.length + " shown";
    };
    filter.addEventListener("input", apply);
    status.addEventListener("change", apply);
    controls.hidden = false;
  }
  each(document.querySelectorAll("table.sortable"), function (t) {
    if (!t.tHead) { return; }
    var heads = t.tHead.rows[0].cells;
    var key = function (row, col) {
      var cell = row.cells[col];
      if (!cell) { return ""; }
      var v = cell.getAttribute("data-v");
      if (v !== null) { return parseFloat(v); }
      var n = Number(cell.textContent);
      return cell.textContent === "" || isNaN(n) ? cell.textContent : n;
    };
    each(heads, function (th, col) {
      th.tabIndex = 0;
      th.title = "sort by this column";
      var sort = function () {
        var body = t.tBodies[0];
        var sorted = Array.prototype.slice.call(body.rows);
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        sorted.sort(function (a, b) {
          var x = key(a, col);
          var y = key(b, col);
          return (x < y ? -1 : x > y ? 1 : 0) * dir;
        });
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        sorted.forEach(function (r) { body.appendChild(r); });
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
    });
  });
}());
