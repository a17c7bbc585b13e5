// jobsuccess web: draws the score chart (plotly, served locally) and lets two clicks on it
// pick the dates of "what changed". No framework, nothing from the network.
"use strict";
(function () {
  function pickDates(div) {
    var from = document.getElementById("pick-from");
    var to = document.getElementById("pick-to");
    if (!from || !to) return;
    var picked = [];
    div.on("plotly_click", function (event) {
      if (!event.points || !event.points.length) return;
      var day = String(event.points[0].x).slice(0, 10);
      picked.push(day);
      if (picked.length > 2) picked = [day];
      var sorted = picked.slice().sort();
      from.value = sorted[0];
      to.value = sorted[sorted.length - 1];
      div.setAttribute("data-picked", picked.join(","));
    });
  }
  function draw(div) {
    fetch(div.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status + " " + r.statusText); return r.json(); })
      .then(function (fig) {
        return Plotly.newPlot(div, fig.data, fig.layout, { displaylogo: false, responsive: true });
      })
      .then(function () { pickDates(div); div.setAttribute("data-ready", "1"); })
      .catch(function (err) {
        div.textContent = "The chart could not be drawn (" + err.message + ").";
        div.setAttribute("data-ready", "error");
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var charts = document.querySelectorAll(".chart[data-src]");
    for (var i = 0; i < charts.length; i++) {
      if (window.Plotly) draw(charts[i]);
    }
  });
})();
