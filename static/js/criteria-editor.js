// The criteria editor's form: choosing another kind, or another question for "Answer is one of", shows its
// fields at once. Without this script the "Show the fields" button does the same.
(function () {
  "use strict";
  var form = document.getElementById("criterion-form");
  var refresh = document.getElementById("criterion-refresh");
  if (!form || !refresh) { return; }
  ["kind", "p_fact"].forEach(function (name) {
    var select = form.querySelector("select[name='" + name + "']");
    if (select) { select.addEventListener("change", function () { refresh.click(); }); }
  });
})();
