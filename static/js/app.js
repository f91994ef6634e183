// Small behaviours that Bootstrap and htmx do not cover. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) return;
    field.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // Quick Launch: the arrow key moves from the box into the results.
  document.addEventListener("keydown", function (event) {
    if (event.target.id !== "quick-launch-input" || event.key !== "ArrowDown") return;
    var first = document.querySelector("#quick-launch-results a");
    if (first) { event.preventDefault(); first.focus(); }
  });
})();

// A form marked data-disable-on-submit disables its submit buttons once sent, so a double click
// sends it once (the server refuses a second run anyway).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute || !form.hasAttribute("data-disable-on-submit")) return;
  if (form.dataset.submitted) { event.preventDefault(); return; }
  form.dataset.submitted = "1";
  window.setTimeout(function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  }, 0);
});

// Scheduler: show only the execution pattern's parts that its kind uses. Each part is wrapped in
// an element with data-pattern-kinds="daily weekly ..." inside a form with data-pattern-form.
(function () {
  "use strict";
  function sync(form) {
    var select = form.querySelector("select[name=pattern_kind]");
    if (!select) return;
    form.querySelectorAll("[data-pattern-kinds]").forEach(function (part) {
      var kinds = part.getAttribute("data-pattern-kinds").split(" ");
      part.hidden = kinds.indexOf(select.value) === -1;
    });
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("[data-pattern-form]");
    if (form && event.target.name === "pattern_kind") sync(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-pattern-form]").forEach(sync);
  });
})();
