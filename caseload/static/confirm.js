// Forms marked data-confirm="question" ask before they submit (remove, cancel, re-plan). No inline script: CSP.
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
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
