/* The post-mortem editor's saved state: "Unsaved changes" as soon as a section is typed in,
   "Not saved" when the server refuses a save (the reason is in the page's message region). */
(function () {
  "use strict";

  function stateOf(element) {
    var form = element.closest("[data-pm-editor]");
    return form ? form.querySelector("[data-pm-state]") : null;
  }

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-pm-body]")) return;
    var state = stateOf(event.target);
    if (!state) return;
    state.textContent = "Unsaved changes";
    state.className = "pm-state pm-dirty";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var state = stateOf(event.detail.elt);
    if (!state || event.detail.requestConfig.verb === "get") return;
    if (event.detail.elt.matches("[data-pm-body]")) return; // a preview, not a save
    state.textContent = "Not saved: see the message above";
    state.className = "pm-state pm-conflict";
  });

  /* <form data-confirm="…">: ask before a step that cannot be undone by itself (publishing). */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  /* Leaving the page with unsaved sections asks first. */
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector(".pm-state.pm-dirty")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
