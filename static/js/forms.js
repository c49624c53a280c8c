// A refused form: move focus to the summary of its errors, so keyboard and
// screen-reader users start there; each item links to its field.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
