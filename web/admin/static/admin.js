// Outpost admin: progressive niceties only; every page works without this file.
"use strict";
// Ask before the destructive forms (their own confirmation fields still apply).
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  if (f instanceof HTMLFormElement && /\/(delete|logout)$/.test(f.getAttribute("action") || "") && f.querySelector("button.danger, button")) {
    if (/\/(users|backups)\//.test(f.getAttribute("action")) && !window.confirm("Are you sure?")) ev.preventDefault();
  }
});
// Filters apply as soon as a select changes.
document.querySelectorAll("form.filters select").forEach(function (s) {
  s.addEventListener("change", function () { s.form.submit(); });
});
// Logs: new lines stream in (Server-Sent Events) below the newest one; without this the
// page's Refresh link does the same.
(function () {
  var list = document.getElementById("log-lines");
  var url = list && list.getAttribute("data-stream");
  if (!url || !window.EventSource) return;
  var live = document.getElementById("log-live"), none = document.getElementById("log-none");
  var keep = 2000; // lines kept on the page, as on the server
  function atBottom() { return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 48; }
  function part(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; e.textContent = text; return e; }
  function add(li) {
    var follow = atBottom();
    list.appendChild(li);
    while (list.children.length > keep) list.removeChild(list.firstElementChild);
    if (none) { none.remove(); none = null; }
    if (follow) li.scrollIntoView({ block: "end" });
  }
  function state(text, on) { live.hidden = false; live.textContent = text; live.className = on ? "live" : "live off"; }
  if (list.lastElementChild && !location.hash) list.lastElementChild.scrollIntoView({ block: "end" });
  var es = new EventSource(url);
  es.onopen = function () { state("Live", true); };
  es.onerror = function () { state(es.readyState === EventSource.CLOSED ? "Stopped" : "Reconnecting…", false); };
  es.onmessage = function (ev) {
    var d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    var li = document.createElement("li");
    li.className = "lv-" + d.level;
    li.id = "l" + d.seq;
    var t = part("time", "", d.clock);
    t.dateTime = d.stamp;
    var parts = [t, part("span", "lvl", d.levelText)];
    if (d.svc) parts.push(part("span", "svc", d.svc));
    parts.push(part("span", "msg", d.msg));
    if (d.attrs) parts.push(part("span", "attrs", d.attrs));
    parts.forEach(function (e, i) { if (i > 0) li.appendChild(document.createTextNode(" ")); li.appendChild(e); });
    add(li);
  };
  es.addEventListener("dropped", function (ev) { add(part("li", "note", ev.data)); });
  es.addEventListener("end", function (ev) { es.close(); state("Stopped", false); add(part("li", "note", ev.data)); });
})();
