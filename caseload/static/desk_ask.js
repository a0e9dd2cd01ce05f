// The desk's "Days and times the client can come" box follows "Week of" while the user has not edited it: the
// current week's defaults run from now (today from the next slot, later weekdays), any later week's are Mon-Fri
// whole days (data-week-defaults, from desk.views.week_defaults). Times the user typed are never replaced.
// Without script the server does the same when the search is sent (desk.views.defaults_follow_week).
(function () {
  "use strict";
  var form = document.getElementById("ask-form");
  if (!form) { return; }
  var week = form.querySelector("select[name=week]");
  var box = form.querySelector("textarea[name=windows]");
  var defaultWeek = form.querySelector("input[name=default_week]");
  var defaultText = form.querySelector("input[name=default_windows]");
  if (!week || !box || !defaultWeek || !defaultText) { return; }
  var byWeek;
  try { byWeek = JSON.parse(box.getAttribute("data-week-defaults") || "{}"); } catch (e) { return; }
  function lines(text, sep) {  // the hidden default_windows is one line, "; "-joined
    return text.split(sep || /\r?\n/).map(function (l) { return l.trim().replace(/\s+/g, " ").toLowerCase(); })
      .filter(function (l) { return l; }).join("\n");
  }
  week.addEventListener("change", function () {
    var wanted = byWeek[week.value];
    if (!wanted || lines(box.value) !== lines(defaultText.value, ";")) { return; }
    box.value = wanted;
    defaultWeek.value = week.value;
    defaultText.value = lines(wanted).split("\n").join("; ");
  });
})();
