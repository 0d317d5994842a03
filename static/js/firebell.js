/* Firebell's few lines of JavaScript: everything else is htmx attributes in the templates. */
(function () {
  "use strict";

  /* A polling region skips its refresh while the user is inside it (focus, an open <details>,
     a text field being typed in), so a refresh never steals focus or closes a form. */
  window.firebellIdle = function (id) {
    var region = document.getElementById(id);
    if (!region) return true;
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return false;
    if (region.querySelector("details[open]")) return false;
    return true;
  };

  /* A form nobody has typed into yet (and that is not focused) may be replaced by a fresher one. */
  window.firebellPristine = function (id) {
    var form = document.getElementById(id);
    if (!form) return false;
    if (form.contains(document.activeElement)) return false;
    return Array.prototype.every.call(form.querySelectorAll("textarea, input[type=text]"), function (field) {
      return field.value === field.defaultValue;
    });
  };

  function flash(html) {
    var region = document.getElementById("flash");
    if (region) region.innerHTML = html;
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest(".flash-close");
    if (close) close.parentElement.remove();
  });

  /* <button data-copy="#id">: copy that element's text (clipboard API, else a selection). */
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    function done() {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { if (document.execCommand("copy")) done(); } catch (e) { /* text stays selected */ }
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  });

  /* A polling element marked data-poll-idle skips its refresh while the person is inside it
     (focus, an open <details>): the CSP-safe form of hx-trigger's "[firebellIdle(...)]". Only
     background GETs are skipped, never a button's POST. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (!element || !element.hasAttribute || !element.hasAttribute("data-poll-idle")) return;
    if (!element.id || window.firebellIdle(element.id)) return;
    event.preventDefault();
  });

  /* Browser notifications of new pages. The bell (inbox) carries its newest unread message as
     data-notify-id/-title/-body/-url; a higher id than the last one shown, with the person's
     permission, becomes one notification (tagged, so two tabs show it once). */
  var NOTIFIED_KEY = "firebell.notified";
  function notifySupported() { return "Notification" in window; }
  function notifyFrom(element) {
    if (!element || !notifySupported() || Notification.permission !== "granted") return;
    var id = parseInt(element.getAttribute("data-notify-id") || "0", 10);
    if (!id) return;
    var last = parseInt(window.localStorage.getItem(NOTIFIED_KEY) || "0", 10);
    if (id <= last) return;
    window.localStorage.setItem(NOTIFIED_KEY, String(id));
    var note = new Notification(element.getAttribute("data-notify-title") || "Firebell", {
      body: element.getAttribute("data-notify-body") || "", tag: "firebell-page-" + id
    });
    var target = element.getAttribute("data-notify-url");
    note.addEventListener("click", function () { window.focus(); if (target) window.location.assign(target); });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var element = event.detail.elt;
    if (element && element.hasAttribute && element.hasAttribute("data-notify-id")) notifyFrom(element);
    else if (element && element.querySelector) notifyFrom(element.querySelector("[data-notify-id]"));
  });
  function showNotifyState() {
    var state = document.querySelector("[data-notify-state]");
    var button = document.querySelector("[data-notify-enable]");
    if (!state || !button) return;
    if (!notifySupported()) { state.textContent = "This browser cannot show notifications."; return; }
    button.hidden = Notification.permission !== "default";
    state.textContent = Notification.permission === "granted" ? "Browser notifications are on." :
      Notification.permission === "denied" ? "Browser notifications are blocked for this site (change it in the browser's site settings)." : "";
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-notify-enable]") || !notifySupported()) return;
    Notification.requestPermission().then(showNotifyState);
  });
  document.addEventListener("DOMContentLoaded", showNotifyState);

  /* After an action (a POST) swaps the region that held the focused button, focus would drop
     to <body> and a keyboard user would start again from the top. Put it back: on the same
     control if the fresh region still has it, else on the region's first control, else on the
     region itself. */
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!verb || verb === "get") return;
    var element = event.detail.elt;
    var target = event.detail.target;
    refocus = {
      action: element && (element.getAttribute("hx-post") || element.getAttribute("action")),
      region: target && target.id
    };
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var wanted = refocus;
    refocus = null;
    if (document.activeElement && document.activeElement !== document.body) return;
    var same = null;
    if (wanted.action && window.CSS && CSS.escape) {
      var form = document.querySelector('[hx-post="' + CSS.escape(wanted.action) + '"]');
      same = form && (form.matches("button") ? form : form.querySelector("button[type=submit], button"));
    }
    var region = wanted.region && document.getElementById(wanted.region);
    var next = same || (region && region.querySelector("button, a[href], input, select, textarea, summary")) || region;
    if (!next) return;
    if (next === region && !region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
    next.focus({ preventScroll: true });
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    // A new action clears the previous action's message; background polls leave it alone.
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    // [data-keep-flash]: requests such as a live preview that are not actions of their own.
    if (event.detail.elt && event.detail.elt.closest("[data-keep-flash]")) return;
    if (verb && verb !== "get") flash("");
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if ([400, 403, 404, 409].indexOf(status) >= 0) return; // the server's message is shown
    flash('<div class="flash flash-error"><strong>Firebell answered ' + status +
      ".</strong> Nothing was changed on this page; try again in a moment." +
      '<button type="button" class="flash-close" aria-label="Dismiss">×</button></div>');
  });

  var offline = false;
  document.addEventListener("htmx:sendError", function () {
    if (offline) return;
    offline = true;
    flash('<div class="flash flash-warn">' + escapeHtml("Cannot reach Firebell. The page keeps trying; what you see may be out of date.") + "</div>");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (offline && event.detail.successful) {
      offline = false;
      flash("");
    }
  });

  /* Regions that refresh when another region announces a change (CSP-safe: no trigger filters).
     An element with data-refresh-on="incident-changed" is sent a `refresh` event whenever that
     event reaches the document, unless it is the region that changed (detail.region) or its
     guard says the person is busy in it: data-refresh-guard="idle" (focus inside, an open
     <details>) or "pristine" (someone typed into its form). */
  function refreshListeners(eventName) {
    document.addEventListener(eventName, function (event) {
      var origin = event.detail && event.detail.region;
      var selector = "[data-refresh-on~='" + eventName + "']";
      Array.prototype.forEach.call(document.querySelectorAll(selector), function (element) {
        if (element.id && element.id === origin) return;
        var guard = element.getAttribute("data-refresh-guard");
        if (guard === "idle" && !window.firebellIdle(element.id)) return;
        if (guard === "pristine" && !window.firebellPristine(element.id)) return;
        htmx.trigger(element, "refresh");
      });
    });
  }
  refreshListeners("incident-changed");
  refreshListeners("integration-changed");

  /* The incident page's watcher asks the server to sync (sync=1) when it refreshes because
     something changed, not on its 5-second poll. */
  document.addEventListener("htmx:configRequest", function (event) {
    var element = event.detail.elt;
    if (!element || !element.hasAttribute || !element.hasAttribute("data-refresh-sync")) return;
    var trigger = event.detail.triggeringEvent;
    event.detail.parameters.sync = trigger && trigger.type === "refresh" ? 1 : 0;
  });

  /* <form data-confirm="Question?">: ask before submitting (the CSP-safe onsubmit=confirm()). */
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  }, true);
})();
