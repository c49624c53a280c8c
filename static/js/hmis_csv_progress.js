// Progress of HMIS CSV export and import jobs: polls each job's progress URL
// (JSON: done, total, seconds_left, finished) and updates its bar; reloads the
// page when a job finishes, so the download link or the report appears.
(function () {
  "use strict";

  function describe(data) {
    var text = data.status_label + ": " + data.done.toLocaleString() + " of " + data.total.toLocaleString() + " rows";
    if (data.seconds_left !== null && !data.finished) {
      var minutes = Math.floor(data.seconds_left / 60);
      var seconds = data.seconds_left % 60;
      text += ", about " + (minutes ? minutes + " min " : "") + seconds + " s left";
    }
    return text;
  }

  function watch(box) {
    var bar = box.querySelector("progress");
    var label = box.querySelector("[data-progress-text]");
    var url = box.dataset.progressUrl;

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          bar.max = Math.max(data.total, 1);
          bar.value = data.done;
          label.textContent = describe(data);
          if (data.finished) { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".job-progress[data-progress-url]").forEach(watch);
  });
})();
