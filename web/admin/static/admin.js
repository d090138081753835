// Outpost admin: progressive niceties only; every page works without this file.
"use strict";
// Ask before the destructive forms (their own confirmation fields still apply).
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f instanceof HTMLFormElement && /\/(delete|logout)$/.test(f.getAttribute("action") || "") && f.querySelector("button.danger, button")) {
    if (/\/users\//.test(f.getAttribute("action")) && !window.confirm("Are you sure?")) ev.preventDefault();
  }
});
// Filters apply as soon as a select changes.
document.querySelectorAll("form.filters select").forEach(function (s) {
  s.addEventListener("change", function () { s.form.submit(); });
});
