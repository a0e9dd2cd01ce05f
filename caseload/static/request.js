// The request form follows the appointment type: the minutes show the chosen type's length, and if the
// leader had not changed the minutes, they change with the type. The server applies the same rule
// (client_views._duration), so the form is right without this script too.
(function () {
  "use strict";
  var form = document.getElementById("request-form");
  if (!form) { return; }
  var minutes = JSON.parse(form.getAttribute("data-type-minutes") || "{}");
  var type = form.querySelector("#type");
  var duration = form.querySelector("#duration_minutes");
  if (!type || !duration) { return; }
  var last = minutes[type.value];
  type.addEventListener("change", function () {
    var length = minutes[type.value];
    duration.placeholder = length ? length + " (the type's length)" : "the type's length";
    if (length && (duration.value === "" || Number(duration.value) === last)) { duration.value = length; }
    last = length;
  });
}());
