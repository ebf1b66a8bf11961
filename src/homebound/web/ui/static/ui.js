/* Homebound UI behaviour. Loaded as a file (no inline script), so the Content-Security-Policy can forbid inline code. */
(function () {
  "use strict";

  var PALETTE = ["#0b5cad", "#c4581b", "#2f7d32", "#7b3fa0", "#8c6d00", "#00838f"];

  /* The ledger charts draw what the table beneath them says: one source of numbers, readable without the chart. */
  function seriesFromTable(table) {
    var parties = Array.prototype.map.call(table.querySelectorAll("thead th[data-series]"), function (th) {
      return th.textContent.trim();
    });
    var labels = [];
    var values = parties.map(function () { return []; });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      labels.push(row.querySelector("th").textContent.trim());
      row.querySelectorAll("td[data-value]").forEach(function (cell, i) {
        values[i].push(Number(cell.getAttribute("data-value")));
      });
    });
    return {
      labels: labels,
      datasets: parties.map(function (party, i) {
        return { label: party, data: values[i], backgroundColor: PALETTE[i % PALETTE.length] };
      })
    };
  }

  function drawCharts(root) {
    if (typeof window.Chart === "undefined") { return; }
    root.querySelectorAll("canvas[data-chart-for]").forEach(function (canvas) {
      var table = document.getElementById(canvas.getAttribute("data-chart-for"));
      var existing = window.Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      if (!table) { return; }
      var heading = document.getElementById(table.getAttribute("aria-labelledby"));
      var kind = canvas.getAttribute("data-chart-type") === "line" ? "line" : "bar";
      var data = seriesFromTable(table);
      if (kind === "line") {
        data.datasets.forEach(function (set) { set.borderColor = set.backgroundColor; set.fill = false; });
      }
      new window.Chart(canvas, {
        type: kind,
        data: data,
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { title: { display: !!heading, text: heading ? heading.textContent.trim() : "" } }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(document); });
})();

/* The handover console keeps its session alive while it is open on an open tranche: a slow crossing must not be
   cut by the idle sign-out. Asks every 4 minutes; stops when the tranche is closed (410) or the session ended. */
(function () {
  "use strict";
  var EVERY_MS = 4 * 60 * 1000;
  document.addEventListener("DOMContentLoaded", function () {
    var marker = document.getElementById("keep-alive");
    if (!marker) { return; }
    var url = marker.getAttribute("data-keep-alive");
    var timer = window.setInterval(function () {
      window.fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" }).then(function (answer) {
        if (answer.status !== 204) { window.clearInterval(timer); }
      }).catch(function () { /* offline for a moment: try again at the next tick */ });
    }, EVERY_MS);
  });
})();
