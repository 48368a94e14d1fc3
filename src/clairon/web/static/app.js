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
    // Inbox: j/k move between items, x selects, e marks done, # hides.
    var items = Array.prototype.slice.call(document.querySelectorAll("li.item[data-item]"));
    if (items.length && ["j", "k", "x", "e", "#"].indexOf(event.key) >= 0) {
      var current = document.querySelector("li.item.focused");
      var index = current ? items.indexOf(current) : -1;
      if (event.key === "j" || event.key === "k") {
        var next = items[Math.max(0, Math.min(items.length - 1, index + (event.key === "j" ? 1 : -1)))];
        if (current) { current.classList.remove("focused"); }
        next.classList.add("focused");
        next.focus();
        next.scrollIntoView({ block: "nearest" });
      } else if (current) {
        if (event.key === "x") {
          var box = current.querySelector('input[type="checkbox"]');
          if (box) { box.checked = !box.checked; }
        } else {
          var action = current.querySelector('button[data-action="' + (event.key === "e" ? "done" : "hidden") + '"]');
          if (action) { action.click(); }
        }
      }
      event.preventDefault();
      return;
    }
    // Single-key shortcuts: c compose, k calendar, r review, i inbox, arrows prev/next.
    var link = document.querySelector('[data-key="' + event.key + '"]');
    if (link instanceof HTMLAnchorElement) {
      event.preventDefault();
      window.location.assign(link.href);
    }
  });
})();
