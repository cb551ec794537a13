// Enhancements only: every page reads and every form works without this script.
// 1. JSON fields (textarea[data-json]) are checked before their form is sent.
// 2. A running execution's page (main[data-refresh]) refreshes its live sections in place,
//    leaving alone any section the user is typing in.
"use strict";
(function () {
  function checkJson(form) {
    var ok = true;
    form.querySelectorAll("textarea[data-json]").forEach(function (field) {
      var message = form.querySelector('[data-json-error="' + field.dataset.json + '"]');
      var text = field.value.trim();
      var problem = "";
      if (text !== "") {
        try { JSON.parse(text); } catch (error) { problem = field.name + " is not valid JSON: " + error.message; }
      }
      if (message) { message.textContent = problem; message.hidden = problem === ""; }
      field.setAttribute("aria-invalid", problem ? "true" : "false");
      if (problem) { ok = false; }
    });
    return ok;
  }

  document.addEventListener("submit", function (event) {
    if (!checkJson(event.target)) { event.preventDefault(); }
  });
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form) { form.dataset.dirty = "true"; }
  });

  function busy(section) {
    return section.contains(document.activeElement) && document.activeElement !== document.body
      || section.querySelector("form[data-dirty]") !== null
      || section.querySelector("details[open]") !== null;
  }

  function refresh() {
    var main = document.querySelector("main[data-refresh]");
    if (!main) { return; }
    var delay = parseInt(main.dataset.refresh, 10) || 2000;
    window.setTimeout(function () {
      fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (text) {
          var next = new DOMParser().parseFromString(text, "text/html");
          next.querySelectorAll("[data-live]").forEach(function (fresh) {
            var current = document.querySelector('[data-live="' + fresh.dataset.live + '"]');
            if (current && !busy(current)) {
              var oldFrame = current.querySelector(".graph-frame");
              var scroll = oldFrame ? [oldFrame.scrollLeft, oldFrame.scrollTop] : null;
              var replacement = document.importNode(fresh, true);
              current.replaceWith(replacement);
              var newFrame = replacement.querySelector(".graph-frame");
              if (scroll && newFrame) { newFrame.scrollLeft = scroll[0]; newFrame.scrollTop = scroll[1]; }
            }
          });
          var nextMain = next.querySelector("main");
          if (nextMain && !nextMain.hasAttribute("data-refresh")) {
            main.removeAttribute("data-refresh");
            // sections that appear or vanish when the run ends (waiting tasks, output) need the whole page
            window.location.reload();
            return;
          }
          refresh();
        })
        .catch(function () { refresh(); });
    }, delay);
  }
  // 3. A graph wider or taller than its frame opens on what matters: the selected state, else the
  //    first running, failed or caught one, else the Start marker.
  function focusGraph() {
    document.querySelectorAll(".graph-frame").forEach(function (frame) {
      var svg = frame.querySelector("svg[data-graph]");
      if (!svg) { return; }
      var target = svg.querySelector("g.selected") || svg.querySelector('g[data-status="running"]:not(.container)')
        || svg.querySelector('g[data-status="failed"]:not(.container)')
        || svg.querySelector('g[data-status="caught"]:not(.container)') || svg.querySelector('[data-marker="start"]');
      if (!target || typeof target.getBBox !== "function") { return; }
      var box = target.getBBox();
      frame.scrollLeft = Math.max(0, box.x + box.width / 2 - frame.clientWidth / 2);
      frame.scrollTop = Math.max(0, box.y + box.height / 2 - frame.clientHeight / 3);
    });
  }
  focusGraph();
  refresh();
})();
