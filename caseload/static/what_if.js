// The what-if page while both runs are planning: ask /admin/weights/what-if/<id>/status every 2 s and show the
// comparison once it is done (one load, not a reload every 2 s; the waiting line is an aria-live region).
(function () {
  "use strict";
  var waiting = document.getElementById("what-if-waiting");
  if (!waiting) { return; }
  var url = waiting.getAttribute("data-url");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (status) {
        if (status.state === "running") { window.setTimeout(poll, 2000); return; }
        window.location.replace(window.location.href);  // done or gone: the page says which
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 2000);
})();
