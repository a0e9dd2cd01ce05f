// Reports page: draw each chart from its JSON endpoint (data-url on the canvas). Chart.js comes from static/vendor.
(function () {
  "use strict";
  var palette = ["#2756c5", "#2f8f5b", "#c0632b", "#8a3fa0", "#b3261e", "#1c8a9e", "#7a6a1d", "#5b6475",
                 "#d4589a", "#3d9970", "#ff851b", "#001f3f"];

  // Beyond the twelve colours a series differs by its marker (nine shapes: 108 colour-and-shape pairs) and, past
  // each twelve, by its line's dashes, so the 13th team is not the 1st again. The table below each chart has
  // every series as a column, for anyone the chart does not serve.
  var markers = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "cross", "rectRounded", "line"];
  var dashes = [[], [6, 3], [2, 2], [10, 3, 2, 3]];

  function percentTick(value) { return Math.round(value * 100) + "%"; }

  function draw(canvas, report) {
    var hasData = report.datasets.some(function (d) {
      return d.data.some(function (v) { return v !== null && v !== 0; });
    });
    if (!report.labels.length || !hasData) {
      canvas.parentNode.classList.add("hidden");
      var empty = canvas.closest(".report").querySelector(".chart-empty");
      if (empty) { empty.classList.remove("hidden"); }
      return;
    }
    var datasets = report.datasets.map(function (d, i) {
      var colour = palette[i % palette.length];
      return { label: d.label, data: d.data, n: d.n, borderColor: colour, backgroundColor: colour, spanGaps: true,
               tension: 0.2, pointStyle: markers[i % markers.length], pointRadius: 4,
               borderDash: dashes[Math.floor(i / palette.length) % dashes.length] };
    });
    var y = { beginAtZero: true };
    if (report.percent) { y.max = 1; y.ticks = { callback: percentTick }; }
    new window.Chart(canvas, {
      type: report.type,
      data: { labels: report.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: y },
        plugins: {
          title: { display: true, text: report.title },
          legend: { labels: { usePointStyle: report.type === "line" } },
          tooltip: { callbacks: { label: function (ctx) {
            var v = ctx.parsed.y, n = ctx.dataset.n ? ctx.dataset.n[ctx.dataIndex] : null;
            return ctx.dataset.label + ": " + (report.percent ? (v * 100).toFixed(1) + "%" : v) +
              (n !== null && n !== undefined ? " (n = " + n + ")" : "");
          } } }
        }
      }
    });
  }

  document.querySelectorAll("canvas.report-chart").forEach(function (canvas) {
    fetch(canvas.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (report) { draw(canvas, report); })
      .catch(function () {
        var empty = canvas.closest(".report").querySelector(".chart-empty");
        if (empty) { empty.textContent = "The chart could not be loaded; the CSV still works."; empty.classList.remove("hidden"); }
      });
  });
}());
