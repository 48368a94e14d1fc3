/* Clairon web UI: progressive enhancements only (every page works without this file). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Workspace switcher: go as soon as a workspace is chosen.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit")) {
      target.form.submit();
    }
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // Ctrl+Enter (Cmd+Enter) in the composer: submit for review.
    if (target instanceof HTMLTextAreaElement && target.hasAttribute("data-ctrl-enter") &&
        event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var button = target.form.querySelector('button[value="submit"]');
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = target instanceof HTMLElement ? target.tagName : "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
        (target instanceof HTMLElement && target.isContentEditable)) { return; }
    // Single-key shortcuts: c compose, k calendar, r review, i inbox, arrows prev/next.
    var link = document.querySelector('[data-key="' + event.key + '"]');
    if (link instanceof HTMLAnchorElement) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
