/* The matching review page: the waterfall chart of match weights, drawn from the table beneath it, and the
   keyboard shortcuts (c / r / n decide; j / k or the arrow keys move along the queue). A file, not inline
   script, so the Content-Security-Policy can forbid inline code. */
(function () {
  "use strict";

  var COLOURS = { prior: "#57606a", total: "#0b5cad", up: "#1a6b35", down: "#a40e26" };

  function drawWaterfall(canvas) {
    var table = document.getElementById(canvas.getAttribute("data-waterfall-for"));
    if (!table || typeof window.Chart === "undefined") { return; }
    var existing = window.Chart.getChart(canvas);
    if (existing) { existing.destroy(); }
    var labels = [];
    var bars = [];
    var colours = [];
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var start = Number(row.getAttribute("data-start"));
      var end = Number(row.getAttribute("data-end"));
      var kind = row.getAttribute("data-kind");
      labels.push(row.querySelector("th").textContent.trim());
      bars.push([start, end]);
      colours.push(kind === "evidence" ? (end >= start ? COLOURS.up : COLOURS.down) : COLOURS[kind]);
    });
    var heading = document.getElementById(table.getAttribute("aria-labelledby"));
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: table.getAttribute("data-axis") || "",
          data: bars,
          backgroundColor: colours,
          borderSkipped: false
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: "x",
        scales: {
          y: { title: { display: true, text: table.getAttribute("data-axis") || "" } }
        },
        plugins: {
          legend: { display: false },
          title: { display: !!heading, text: heading ? heading.textContent.trim() : "" },
          tooltip: {
            callbacks: {
              label: function (context) {
                var pair = context.raw;
                var change = pair[1] - pair[0];
                return (change >= 0 ? "+" : "") + change.toFixed(2) + " → " + pair[1].toFixed(2);
              }
            }
          }
        }
      }
    });
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var key = event.key;
    var form = document.getElementById("decision-form");
    if (key === "c" || key === "r" || key === "n") {
      var button = form && form.querySelector("button[data-shortcut='" + key + "']");
      if (button && !button.disabled) {
        event.preventDefault();
        button.click();
      }
      return;
    }
    var link = null;
    if (key === "j" || key === "ArrowRight") { link = document.getElementById("next-pair"); }
    if (key === "k" || key === "ArrowLeft") { link = document.getElementById("previous-pair"); }
    if (link) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  }

  /* One decision per page: a second press or click while the first is on its way sends nothing more
     (the server also records a repeated form only once). */
  function guardForm(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "true");
      form.setAttribute("aria-busy", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-waterfall-for]").forEach(drawWaterfall);
    var form = document.getElementById("decision-form");
    if (form) { guardForm(form); }
    document.addEventListener("keydown", onKey);
    document.body.setAttribute("data-shortcuts", "on");
  });
})();
