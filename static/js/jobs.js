// Keeps every job progress bar on the page up to date (templates/includes/job_progress.html):
// asks the server where the job stands every second, and when it is done reloads the page
// (whose content the job changed) or shows the link to the file it made.
(function () {
  "use strict";
  function follow(box) {
    var bar = box.querySelector("progress");
    var text = box.querySelector(".job-text");
    var link = box.querySelector(".job-result");
    var hint = box.querySelector(".job-hint");
    function ask() {
      fetch(box.dataset.jobStatus, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { window.setTimeout(ask, 5000); return; }
          bar.value = job.percent;
          bar.textContent = job.percent + " %";
          text.textContent = job.text;
          box.dataset.jobStatusNow = job.status;
          if (job.status === "done") {
            if (hint) hint.remove();
            if (box.dataset.onDone === "reload") {
              window.location.assign(job.next_url || window.location.href);
            } else if (job.result_url) {
              link.href = job.result_url;
              link.classList.remove("d-none");
            }
          } else if (job.status === "failed") {
            if (hint) hint.remove();
            box.classList.add("border-danger");
            text.classList.add("text-danger");
          } else {
            window.setTimeout(ask, 1000);
          }
        })
        .catch(function () { window.setTimeout(ask, 5000); });
    }
    ask();
  }
  document.querySelectorAll("[data-job-status]").forEach(function (box) {
    var now = box.dataset.jobStatusNow;
    if (now === "queued" || now === "running") follow(box);
  });
})();
