// Release form: keeps the "what the client is agreeing to" summary in step
// with the boxes as they are ticked. The server renders the same summary, so
// the page works without this file. Also wires the print button on the
// printable summary (no inline script under the CSP).
(function () {
  "use strict";

  function checkedValues(form, name) {
    var values = {};
    form.querySelectorAll('input[name="' + name + '"]:checked').forEach(function (box) { values[box.value] = true; });
    return values;
  }

  function show(element, visible) { if (element) { element.hidden = !visible; } }

  function isoDate(date) {
    var m = String(date.getMonth() + 1).padStart(2, "0");
    var d = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + m + "-" + d;
  }

  function update(form, summary) {
    var kind = (form.querySelector('input[name="kind"]:checked') || {}).value || "care_coordination";
    var additional = kind === "additional";
    var any;

    var categories = checkedValues(form, "categories");
    any = false;
    summary.querySelectorAll("[data-summary-category]").forEach(function (item) {
      var on = !!categories[item.getAttribute("data-summary-category")];
      any = any || on;
      show(item, on);
    });
    show(summary.querySelector('[data-summary-empty="categories"]'), !any);

    var purposes = checkedValues(form, "purposes");
    any = false;
    summary.querySelectorAll("[data-summary-purpose]").forEach(function (item) {
      var on = !!purposes[item.getAttribute("data-summary-purpose")];
      any = any || on;
      show(item, on);
    });
    show(summary.querySelector('[data-summary-empty="purposes"]'), !any);

    var agencies = checkedValues(form, "recipient_agencies");
    any = false;
    summary.querySelectorAll("[data-summary-agency]").forEach(function (item) {
      var on = !!agencies[item.getAttribute("data-summary-agency")];
      any = any || on;
      show(item, on);
    });
    var allBox = form.querySelector('input[name="all_partners"]');
    var all = !!(allBox && allBox.checked) && !additional;
    show(summary.querySelector("[data-summary-all-partners]"), all);
    var outsideInput = form.querySelector('input[name="outside_recipient_name"]');
    var outside = additional && outsideInput ? outsideInput.value.trim() : "";
    var outsideName = summary.querySelector("[data-summary-outside-name]");
    if (outsideName) { outsideName.textContent = outside; }
    show(summary.querySelector("[data-summary-outside]"), outside !== "");
    show(summary.querySelector('[data-summary-empty="recipients"]'), !(any || all || outside));

    var effectiveInput = form.querySelector('input[name="effective_date"]');
    var expiryInput = form.querySelector('input[name="expiry_date"]');
    var effective = effectiveInput && effectiveInput.value ? effectiveInput.value : "";
    var through = expiryInput && expiryInput.value ? expiryInput.value : "";
    if (effective && !through) {
      var days = parseInt(summary.getAttribute("data-default-days"), 10) || 365;
      var start = new Date(effective + "T12:00:00");
      start.setDate(start.getDate() + days - 1);
      through = isoDate(start);
    }
    summary.querySelector("[data-summary-effective]").textContent = effective || "(date not set)";
    summary.querySelector("[data-summary-through]").textContent = through || "(date not set)";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("release-form");
    var summary = document.getElementById("release-summary");
    if (form && summary) {
      var refresh = function () { update(form, summary); };
      form.addEventListener("change", refresh);
      form.addEventListener("input", refresh);
      refresh();
    }
    var printButton = document.getElementById("print-button");
    if (printButton) {
      printButton.addEventListener("click", function () { window.print(); });
    }
  });
})();
