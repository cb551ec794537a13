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
            if (current && !busy(current)) { current.replaceWith(document.importNode(fresh, true)); }
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
  refresh();
})();
