/* The home page's charts, drawn with Chart.js (from npm, see package.json) from the JSON the
   page embeds (#dashboard-charts). Every number drawn here is also in the table under its chart.
   In Arabic the charts read right to left: categories start on the right, horizontal bars grow
   leftwards, legends and tooltips are right-to-left, numbers keep Western digits. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-charts");
  var root = document.getElementById("dashboard");
  if (!source || !root || typeof window.Chart === "undefined") {
    return;
  }
  var Chart = window.Chart;
  var rtl = document.documentElement.getAttribute("dir") === "rtl";
  var currency = root.getAttribute("data-currency") || "DH";
  var LRI = "\u2066";
  var PDI = "\u2069";
  var COLOURS = {
    brand: "#0b5d4b",
    gold: "#d39e00",
    grey: "#ced4da",
    blue: "#2f6fb3",
    red: "#b02a37",
  };
  // One colour per line of a chart of curves (a cohort each), the newest last.
  var LINES = ["#0b5d4b", "#d39e00", "#2f6fb3", "#b02a37", "#6f42c1", "#198754", "#fd7e14",
    "#20c997", "#6c757d", "#d63384", "#0dcaf0", "#343a40"];

  // Moroccan style, as reintegration/formatting.py writes it: 1.233.737,62
  function group(value, places) {
    var parts = Math.abs(value).toFixed(places).split(".");
    var text = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    if (parts[1]) {
      text += "," + parts[1];
    }
    return (value < 0 ? "-" : "") + text;
  }

  function isolate(text) {
    return rtl ? LRI + text + PDI : text;
  }

  function format(value, unit, short) {
    if (value === null || value === undefined || isNaN(value)) {
      return "—";
    }
    if (unit === "mad") {
      return isolate(group(value, short ? 0 : 2)) + " " + currency;
    }
    if (unit === "percent") {
      return isolate(group(value, short ? 0 : 1) + "\u00a0%");
    }
    return group(value, 0);
  }

  // Long category names on several lines instead of overlapping or being cut; a part in
  // brackets, such as a cohort's size, stays on one line.
  function wrap(label, width) {
    var lines = [];
    var line = "";
    (String(label).match(/\([^)]*\)|\S+/g) || []).forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length > 1 ? lines : lines[0] || "";
  }

  // Each bar's value written at its end, so that a glance is enough.
  var valueLabels = {
    id: "valueLabels",
    afterDatasetsDraw: function (chart, args, options) {
      if (!options.enabled) {
        return;
      }
      var ctx = chart.ctx;
      var horizontal = chart.options.indexAxis === "y";
      chart.data.datasets.forEach(function (dataset, index) {
        var meta = chart.getDatasetMeta(index);
        if (meta.hidden) {
          return;
        }
        meta.data.forEach(function (bar, position) {
          var value = dataset.data[position];
          if (value === null || value === undefined) {
            return;
          }
          ctx.save();
          ctx.font = "600 " + Chart.defaults.font.size + "px " + Chart.defaults.font.family;
          ctx.fillStyle = "#212529";
          ctx.direction = rtl ? "rtl" : "ltr";
          var text = format(value, dataset.unit, true);
          if (horizontal) {
            // Past the end of the bar, in the direction bars grow (leftwards in Arabic).
            var forward = chart.scales.x.options.reverse ? -1 : 1;
            ctx.textAlign = forward > 0 ? "left" : "right";
            ctx.textBaseline = "middle";
            ctx.fillText(text, bar.x + 5 * forward, bar.y);
          } else {
            ctx.textAlign = "center";
            ctx.textBaseline = "bottom";
            ctx.fillText(text, bar.x, bar.y - 4);
          }
          ctx.restore();
        });
      });
    },
  };

  var bodyStyle = window.getComputedStyle(document.body);
  Chart.defaults.font.family = bodyStyle.fontFamily;
  Chart.defaults.font.size = rtl ? 14 : 12;
  Chart.defaults.color = "#495057";
  Chart.register(valueLabels);

  var measure = document.createElement("canvas").getContext("2d");

  function widest(datasets) {
    measure.font = "600 " + Chart.defaults.font.size + "px " + Chart.defaults.font.family;
    var width = 0;
    datasets.forEach(function (dataset) {
      dataset.data.forEach(function (value) {
        var text = format(value, dataset.unit, true);
        width = Math.max(width, measure.measureText(text).width);
      });
    });
    return Math.ceil(width);
  }

  function build(spec) {
    var box = root.querySelector('[data-chart="' + spec.key + '"]');
    if (!box) {
      return;
    }
    // Columns too narrow for their labels (a phone, many quarters) become rows; curves keep
    // time along the bottom.
    var lines = Boolean(spec.lines);
    var horizontal = !lines && (spec.horizontal || box.clientWidth / spec.labels.length < 90);
    var unit = spec.datasets[0].unit;
    if (horizontal) {
      // One row per category, whatever the width of the screen.
      box.style.height = Math.max(170, 38 * spec.labels.length + 80) + "px";
    }
    var datasets = spec.datasets.map(function (dataset, index) {
      var data = dataset.data.map(function (value) {
        return value === null ? null : Number(value);
      });
      if (lines) {
        // A value not known yet leaves the curve short instead of dropping it to zero.
        var colour = LINES[index % LINES.length];
        return {
          label: dataset.label,
          unit: dataset.unit,
          data: data,
          borderColor: colour,
          backgroundColor: colour,
          borderWidth: 2,
          pointRadius: 3,
          spanGaps: false,
          tension: 0,
        };
      }
      return {
        label: dataset.label,
        unit: dataset.unit,
        data: data,
        backgroundColor: COLOURS[dataset.colour] || COLOURS.brand,
        borderRadius: 3,
        maxBarThickness: 34,
      };
    });
    var valueAxis = {
      beginAtZero: true,
      stacked: spec.stacked,
      grace: 0,
      reverse: horizontal && rtl,
      position: horizontal ? "bottom" : rtl ? "right" : "left",
      ticks: {
        maxTicksLimit: unit === "mad" ? 5 : 6,
        precision: 0,
        maxRotation: 0,
        autoSkipPadding: 12,
        // Amounts without the currency on the axis: each bar carries its full value.
        callback: function (value) {
          return unit === "mad" ? group(value, 0) : format(value, unit, true);
        },
      },
    };
    if (unit === "percent") {
      valueAxis.max = 100;
      valueAxis.ticks.stepSize = 25;
    }
    // Room beyond the longest bar for the value written at its end, however narrow the screen.
    var padding = {};
    if (lines) {
      // A curve at 100 % is drawn whole, not along the chart's top edge.
      padding.top = 8;
    } else if (!spec.stacked) {
      padding[horizontal ? (rtl ? "left" : "right") : "top"] = horizontal
        ? widest(datasets) + 10
        : Chart.defaults.font.size + 10;
    }
    var categoryAxis = {
      stacked: spec.stacked,
      reverse: !horizontal && rtl,
      position: horizontal ? (rtl ? "right" : "left") : "bottom",
      grid: { display: false },
      // Curves start and end half a step in, so the first and last months' names fit.
      offset: lines || undefined,
      ticks: { autoSkip: false, maxRotation: 0 },
    };
    var direction = rtl ? "rtl" : "ltr";
    return new Chart(box.querySelector("canvas"), {
      type: lines ? "line" : "bar",
      data: {
        labels: spec.labels.map(function (label) {
          return wrap(label, horizontal ? 24 : 14);
        }),
        datasets: datasets,
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        layout: { padding: padding },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: {
            display: datasets.length > 1,
            position: "bottom",
            rtl: rtl,
            textDirection: direction,
            labels: { boxWidth: 12, boxHeight: 12 },
          },
          tooltip: {
            rtl: rtl,
            textDirection: direction,
            callbacks: {
              title: function (items) {
                return items.length ? spec.labels[items[0].dataIndex] : "";
              },
              label: function (item) {
                return item.dataset.label + ": " + format(item.raw, item.dataset.unit, false);
              },
            },
          },
          valueLabels: { enabled: !spec.stacked && !lines },
        },
      },
    });
  }

  JSON.parse(source.textContent).forEach(build);
})();
