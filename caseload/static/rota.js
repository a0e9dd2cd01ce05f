// The week page's planning panel: poll the job's JSON until it finishes, then offer the plan.
(function () {
  "use strict";
  var panel = document.getElementById("job");
  if (!panel) { return; }
  var url = panel.getAttribute("data-url");
  var active = { queued: true, running: true };

  function text(selector, value) {
    var el = panel.querySelector(selector);
    if (el) { el.textContent = value; }
  }

  function show(job) {
    var p = job.progress || {};
    text(".job-status", job.status + (job.cancel_requested && active[job.status] ? " (cancelling)" : ""));
    text(".job-message", job.message || "");
    text(".job-elapsed", (p.elapsed || 0).toFixed(1) + " s");
    text(".job-left", (p.time_left !== undefined && p.time_left !== null ? p.time_left : job.time_limit).toFixed(1) + " s");
    text(".job-score", p.score !== undefined && p.score !== null ? p.score : "—");
    text(".job-bound", p.bound !== undefined && p.bound !== null ? p.bound : "not proven yet");
    text(".job-quality", job.quality || "");
    text(".job-continuity", p.continuity !== undefined && p.continuity !== null ? Math.round(p.continuity * 100) + " %" : "—");
    var bar = panel.querySelector(".job-bar");
    // A finished run (succeeded, failed, cancelled) often stops before its time limit: show it complete.
    if (bar) { bar.max = job.time_limit; bar.value = active[job.status] ? (p.elapsed || 0) : job.time_limit; }
    panel.setAttribute("data-status", job.status);
    var cancel = panel.querySelector(".job-cancel");
    if (cancel) { cancel.classList.toggle("hidden", !active[job.status]); }
    if (!active[job.status]) {
      // Ended: the box says how long it took (not "0.0 s left") in place of the "Planning started" message.
      if (job.finished) { text(".job-started", job.finished); }
      Array.prototype.forEach.call(panel.querySelectorAll(".job-live"), function (el) { el.classList.add("hidden"); });
    }
    var result = panel.querySelector(".job-result");
    if (result && job.plan_url) { result.href = job.plan_url; result.classList.remove("hidden"); }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) {
        show(job);
        if (active[job.status]) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  if (active[panel.getAttribute("data-status")]) { poll(); }
})();
