// Referral form: choosing a purpose ticks that purpose's minimum data
// categories (and only those; more needs a justification). Without this
// file, sending with nothing ticked makes the server tick the same minimum.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("share-form");
    var data = document.getElementById("purpose-minimums");
    if (!form || !data) { return; }
    var minimums = JSON.parse(data.textContent);
    var purpose = form.querySelector('select[name="purpose"]');
    purpose.addEventListener("change", function () {
      var wanted = minimums[purpose.value] || [];
      form.querySelectorAll('input[name="categories"]').forEach(function (box) {
        box.checked = wanted.indexOf(box.value) !== -1;
      });
    });
  });
})();
