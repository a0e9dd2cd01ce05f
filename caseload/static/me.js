// Advisor pages: copy the calendar feed address with one click.
(function () {
  "use strict";
  var input = document.getElementById("feed-url");
  var button = document.getElementById("feed-copy");
  if (!input || !button) { return; }
  input.addEventListener("focus", function () { input.select(); });
  button.classList.remove("hidden");
  button.addEventListener("click", function () {
    input.select();
    var done = function () { button.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });
}());
