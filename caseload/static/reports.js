// Reports page: draw each chart from its JSON endpoint (data-url on the canvas). Chart.js comes from static/vendor.
(function () {
  "use strict";
  var palette = ["#2756c5", "#2f8f5b", "#c0632b", "#8a3fa0", "#b3261e", "#1c8a9e", "#7a6a1d", "#5b6475",
                 "#d4589a", "#3d9970", "#ff851b", "#001f3f"];

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
      return { label: d.label, data: d.data, borderColor: colour, backgroundColor: colour, spanGaps: true, tension: 0.2 };
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
          tooltip: { callbacks: { label: function (ctx) {
            var v = ctx.parsed.y;
            return ctx.dataset.label + ": " + (report.percent ? (v * 100).toFixed(1) + "%" : v);
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
