// The region page: while runs are queued or running, fetch /admin/region/status and swap in the totals and each
// team's row. The page itself is never reloaded (a reload every 3 s wiped what the administrator was typing);
// the status line above is an aria-live region, so the change in runs is read out.
(function () {
  "use strict";
  var live = document.getElementById("region-progress");
  if (!live) { return; }
  var url = live.getAttribute("data-url");

  function swap(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    ["region-totals", "region-runs"].forEach(function (id) {
      var fresh = holder.querySelector("#" + id), old = document.getElementById(id);
      if (fresh && old) { old.parentNode.replaceChild(fresh, old); }
    });
  }

  function show(status) {
    swap(status.html);
    if (live.textContent.trim() !== status.summary) { live.textContent = status.summary; }
    if (!status.active) {
      // Nothing left to cancel; an open question about cancelling stays (its answer says what happened).
      var cancel = document.getElementById("region-cancel");
      if (cancel && !cancel.querySelector(".confirm-step")) { cancel.classList.add("hidden"); }
    }
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (status) {
        show(status);
        if (status.active) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  if (live.getAttribute("data-active") === "yes") { window.setTimeout(poll, 2000); }
})();
