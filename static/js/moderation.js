/* Moderation screens: keyboard shortcuts on the item page, media reveal, the bulk bar's count.
   Everything here is behaviour added to plain forms and links: without JavaScript the pages
   still work (forms post, the media stays blurred). No inline script: CSP-ready. */
(function () {
  "use strict";

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function reveal() {
    document.querySelectorAll("[data-media]").forEach(function (media) {
      media.classList.toggle("mod-revealed");
    });
  }

  /* A key pressed outside any field: the element with data-shortcut="<key>". A form marked
     data-shortcut-submit is submitted; a <details> is opened and its first field focused; a
     button is clicked. "v" shows (or hides again) the blurred media. */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key.toLowerCase();
    if (key === "v" && document.querySelector("[data-media]")) {
      event.preventDefault();
      reveal();
      return;
    }
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target) return;
    event.preventDefault();
    if (target.tagName === "FORM") {
      if (target.requestSubmit) target.requestSubmit(); else target.submit();
    } else if (target.tagName === "DETAILS") {
      target.open = true;
      var field = target.querySelector("input:not([type=hidden]), textarea, select");
      if (field) field.focus();
    } else {
      target.click();
    }
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-reveal-media]")) reveal();
  });

  /* The bulk bar says how many items will change. */
  function updateCount(form) {
    var label = form.querySelector("[data-selected-count]");
    if (!label) return;
    var all = form.querySelector("[data-all-matching]");
    if (all && all.checked) {
      label.textContent = all.parentElement.textContent.trim() + " will change";
      return;
    }
    var n = form.querySelectorAll("[data-select-item]:checked").length;
    label.textContent = n === 0 ? "Select items, or everything matching" :
      n + (n === 1 ? " item" : " items") + " will change";
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest("[data-bulk-form]");
    if (form) updateCount(form);
  });

  /* Suspend: "permanent" clears the days. */
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-permanent]")) return;
    var days = event.target.closest("form").querySelector("[name=days]");
    if (days && event.target.checked) days.value = "";
  });
})();
