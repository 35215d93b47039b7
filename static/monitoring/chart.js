// Monitoring chart: temperature and systolic BP on the left axis, CRS/ICANS grades on the
// right, interventions as points on the grade axis. Data comes from chart.json.
(function () {
  "use strict";
  const canvas = document.getElementById("monitoring-chart");
  if (!canvas || typeof Chart === "undefined") return;
  const label = (name) => canvas.dataset["label" + name];
  // Straight lines between measurements (tension 0): a curve would draw values nobody
  // measured. The x axis counts days and hours since Day 0 (local midnight), e.g. "D+3 14h".
  // The words come from the page in the reader's language ("D{day}", "{hour}h"; zh-hans
  // "第{day}天", "{hour}时"), so the axis is not English on a Chinese page.
  const dayWord = canvas.dataset.formatDay || "D{day}";
  const hourWord = canvas.dataset.formatHour || "{hour}h";
  const dayHour = (value) => {
    const day = Math.floor(value);
    const hour = Math.round((value - day) * 24);
    const sign = day < 0 ? "−" : "+";
    const dayText = dayWord.replace("{day}", sign + Math.abs(day));
    return dayText + (hour && hour !== 24 ? " " + hourWord.replace("{hour}", hour) : "");
  };
  fetch(canvas.dataset.url, { credentials: "same-origin" })
    .then((r) => r.json())
    .then((data) => {
      const xy = (key) => data.points.filter((p) => p[key] !== null && p.day !== null)
        .map((p) => ({ x: p.day, y: p[key] }));
      new Chart(canvas, {
        type: "line",
        data: {
          datasets: [
            { label: label("Temp"), data: xy("temperature_c"), yAxisID: "yTemp",
              borderColor: "#dc3545", backgroundColor: "#dc3545", tension: 0 },
            { label: label("Sbp"), data: xy("systolic_bp_mmhg"), yAxisID: "yBp",
              borderColor: "#0d6efd", backgroundColor: "#0d6efd", tension: 0 },
            { label: label("Crs"), data: xy("crs_grade"), yAxisID: "yGrade", stepped: true,
              borderColor: "#fd7e14", backgroundColor: "#fd7e14" },
            { label: label("Icans"), data: xy("icans_grade"), yAxisID: "yGrade", stepped: true,
              borderColor: "#6f42c1", backgroundColor: "#6f42c1" },
            { label: label("Intervention"), type: "scatter", yAxisID: "yGrade",
              data: data.interventions.filter((i) => i.day !== null)
                .map((i) => ({ x: i.day, y: 4.3, text: i.label })),
              pointStyle: "triangle", pointRadius: 8, borderColor: "#198754",
              backgroundColor: "#198754" },
          ],
        },
        options: {
          maintainAspectRatio: false,
          animation: false,
          parsing: true,
          scales: {
            x: { type: "linear", title: { display: true, text: label("Day") },
                 ticks: { stepSize: 0.25, callback: (value) => dayHour(value) } },
            yTemp: { position: "left", suggestedMin: 36, suggestedMax: 41 },
            yBp: { position: "left", suggestedMin: 60, suggestedMax: 180, grid: { drawOnChartArea: false } },
            yGrade: { position: "right", min: 0, max: 4.5, ticks: { stepSize: 1 } },
          },
          plugins: {
            tooltip: {
              callbacks: {
                title: (items) => items.length ? dayHour(items[0].parsed.x) : "",
                afterLabel: (ctx) => ctx.raw && ctx.raw.text ? ctx.raw.text : "",
              },
            },
          },
        },
      });
    });
})();
