// Questions before a change are asked in the page, by the server (no script needed), not here: the browser
// dialog of data-confirm did nothing without script and was a poor accessible pattern. No inline script: CSP.
// A link marked data-close-details ("Keep appointment") closes the question it answers and puts the focus back on
// it; without this script it reloads the page, which closes it too.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-close-details]");
    var details = link && link.closest("details");
    if (!details) { return; }
    event.preventDefault();
    details.open = false;
    details.querySelector("summary").focus();
  });
})();
