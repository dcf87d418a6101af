// The what-if's member picker (recommender/templates/recommender/what_if.html): filter the listed members as
// one types, and tick or untick a whole role. Without JavaScript the page still works: the Filter button asks
// the server, and "Everyone in this role" is expanded by the server.
(function () {
  "use strict";
  var picker = document.getElementById("member-picker");
  if (!picker) return;
  var box = picker.querySelector("[data-picker-filter]");
  var count = document.getElementById("picker-count");
  var rows = Array.prototype.slice.call(picker.querySelectorAll("[data-picker-row]"));
  var template = picker.getAttribute("data-shown-label") || "";

  function fold(text) {
    return (text || "").normalize("NFKC").toLowerCase().trim();
  }

  function applyFilter() {
    var q = fold(box.value);
    var shown = 0;
    rows.forEach(function (row) {
      var hit = !q || fold(row.getAttribute("data-text")).indexOf(q) !== -1;
      row.hidden = !hit;
      if (hit) shown += 1;
    });
    picker.querySelectorAll("[data-picker-group]").forEach(function (group) {
      group.hidden = !group.querySelector("[data-picker-row]:not([hidden])");
    });
    if (count && template) count.textContent = template.replace("#", String(shown));
  }

  if (box) {
    box.addEventListener("input", applyFilter);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // filter here; Enter must not ask the what-if
        applyFilter();
      }
    });
  }

  picker.querySelectorAll("[data-select-role]").forEach(function (toggle) {
    var group = toggle.closest("[data-picker-group]");
    toggle.addEventListener("change", function () {
      group.querySelectorAll("[data-picker-row] input[name=members]").forEach(function (input) {
        input.checked = toggle.checked;
      });
    });
    group.querySelectorAll("[data-picker-row] input[name=members]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!input.checked) toggle.checked = false; // one left out: no longer everyone in the role
      });
    });
  });
})();
