// Programme dashboard charts. Data comes from the <script type="application/json"> island
// (json_script); each chart's numbers are also in the table beneath it and in its CSV.
(function () {
  "use strict";
  const island = document.getElementById("dashboard-data");
  const root = document.getElementById("dashboard");
  if (!island || !root || typeof Chart === "undefined") return;
  const data = JSON.parse(island.textContent);
  const label = (name) => root.dataset["label" + name] || name;
  const palette = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d",
    "#d63384", "#0dcaf0"];
  const gradeColours = ["#adb5bd", "#ffc107", "#fd7e14", "#dc3545", "#6f1d1b"];
  const colour = (i) => palette[i % palette.length];
  const base = { maintainAspectRatio: false, animation: false };

  function draw(key, config) {
    const canvas = document.querySelector('canvas[data-chart="' + key + '"]');
    if (canvas) new Chart(canvas, config);
  }

  draw("stages", {
    type: "bar",
    data: {
      labels: data.stages.map((s) => s.label),
      datasets: [{ label: label("Courses"), data: data.stages.map((s) => s.count),
        backgroundColor: colour(0) }],
    },
    options: { ...base, plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("monthly", {
    type: "bar",
    data: {
      labels: data.monthly.months,
      datasets: [
        { label: label("Referrals"), data: data.monthly.referrals, backgroundColor: colour(0) },
        { label: label("Infusions"), data: data.monthly.infusions, backgroundColor: colour(2) },
      ],
    },
    options: { ...base, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });

  draw("intervals", {
    type: "bar",
    data: {
      labels: data.intervals.map((i) => i.label + " (n=" + i.n + ")"),
      datasets: [{ label: label("MedianDays"), data: data.intervals.map((i) => i.median),
        backgroundColor: colour(4) }],
    },
    options: { ...base, indexAxis: "y", plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, title: { display: true, text: label("MedianDays") } } } },
  });

  function gradeChart(key) {
    const rows = data[key];
    draw(key, {
      type: "bar",
      data: {
        labels: rows.map((r) => r.label + " (n=" + r.assessed + ")"),
        datasets: data.grades.map((g, i) => ({
          label: label("Grade") + " " + g,
          data: rows.map((r) => r.percent[i]),
          backgroundColor: gradeColours[i],
        })),
      },
      options: { ...base, scales: { x: { stacked: true },
        y: { stacked: true, min: 0, max: 100, title: { display: true, text: label("Percent") } } } },
    });
  }
  gradeChart("crs");
  gradeChart("icans");

  draw("treatments", {
    type: "bar",
    data: {
      labels: data.treatments.map((t) => t.label + " (n=" + t.infused + ")"),
      datasets: [
        { label: label("Tocilizumab"), data: data.treatments.map((t) => t.tocilizumab_percent),
          backgroundColor: colour(0) },
        { label: label("Steroids"), data: data.treatments.map((t) => t.steroids_percent),
          backgroundColor: colour(3) },
        { label: label("Icu"), data: data.treatments.map((t) => t.icu_percent),
          backgroundColor: colour(1) },
      ],
    },
    options: { ...base, scales: { y: { min: 0, max: 100,
      title: { display: true, text: label("Percent") } } } },
  });

  draw("response", {
    type: "bar",
    data: {
      labels: data.response.map((r) => r.label + " (n=" + r.infused + ")"),
      datasets: [
        { label: label("Orr"), data: data.response.map((r) => r.orr_percent),
          backgroundColor: colour(2) },
        { label: label("Cr"), data: data.response.map((r) => r.cr_percent),
          backgroundColor: colour(0) },
      ],
    },
    options: { ...base, scales: { y: { min: 0, max: 100,
      title: { display: true, text: label("Percent") } } } },
  });

  // Kaplan–Meier: a stepped line per product with its 95% band (filled between the limits).
  function survivalChart(key) {
    const datasets = [];
    data[key].filter((c) => c.n > 0).forEach((c, i) => {
      const col = colour(i);
      const xy = (field) => c.points.map((p) => ({ x: p.t, y: p[field] }));
      datasets.push({ label: c.label + " (n=" + c.n + ")", data: xy("s"), stepped: "before",
        borderColor: col, backgroundColor: col, pointRadius: c.points.map((p) => (p.censored ? 3 : 0)),
        pointStyle: "crossRot" });
      datasets.push({ label: c.label + " " + label("Ci"), data: xy("upper"), stepped: "before",
        borderWidth: 0, pointRadius: 0, fill: "+1", backgroundColor: col + "22" });
      datasets.push({ label: c.label + " " + label("Ci"), data: xy("lower"), stepped: "before",
        borderWidth: 0, pointRadius: 0, fill: false });
    });
    draw(key, {
      type: "line",
      data: { datasets: datasets },
      options: {
        ...base,
        parsing: true,
        scales: {
          x: { type: "linear", min: 0, title: { display: true, text: label("Months") } },
          y: { min: 0, max: 1, title: { display: true, text: label("Survival") } },
        },
        plugins: { legend: { labels: { filter: (item) => !item.text.endsWith(label("Ci")) } } },
      },
    });
  }
  survivalChart("pfs");
  survivalChart("os");
})();
