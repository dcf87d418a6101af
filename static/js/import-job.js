// The upload job page: poll the job's status and move the progress bar; reload once the job is finished.
// Without JavaScript the page refreshes itself (a <meta http-equiv="refresh"> inside <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-bar");
  var stage = document.getElementById("job-stage");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { window.setTimeout(poll, 3000); return; }
        bar.value = s.percent;
        bar.textContent = s.percent + "%";
        stage.textContent = s.stage_label;
        if (s.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
