// Small progressive enhancements; the form works without them.
(function () {
  "use strict";
  var bar = document.querySelector(".progress-bar[data-step]");
  if (bar) { bar.style.width = (100 * bar.dataset.step / bar.dataset.count) + "%"; }

  var form = document.getElementById("wizard-form");
  if (!form) { return; }

  // Plan only where the policy has plans: the policies the plan is required for (data-required-values).
  var policy = form.querySelector("[name='policy-policy']");
  var plan = form.querySelector("[name='policy-plan']");
  if (policy && plan) {
    var withPlans = (plan.dataset.requiredValues || "").split(" ");
    var toggle = function () {
      var wrap = plan.closest(".mb-3") || plan.parentElement;
      wrap.hidden = withPlans.indexOf(policy.value) === -1 && !plan.value;
    };
    policy.addEventListener("change", toggle); toggle();
  }

  // Required marks that follow other answers, as the server's rules do (the forms' data-required-when): required
  // when another field's answer is one of data-required-values (the plan for a policy with plans), or, without
  // values, unless the other field is answered (the date of birth unless the age is given). The server decides;
  // this keeps the asterisk and `required` in step while the prescriber answers.
  var severity = form.querySelector("[name='diagnosis-severity']");
  var diagnoses = document.getElementById("diagnosis-options");
  if (severity && diagnoses) {
    severity.dataset.requiredWhen = "diagnosis-diagnosis";
    severity.dataset.requiredValues = diagnoses.dataset.severityNeededFor || "";
  }
  // An answer as a code: a choice's value, or the [code] a pick from a list ends in; "" unanswered; null for text
  // typed freely (a name or an ICD-10 code), which only the server reads.
  var answerOf = function (name) {
    var fields = form.querySelectorAll("[name='" + name + "']");
    for (var i = 0; i < fields.length; i++) {
      var el = fields[i];
      if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { return el.value; } continue; }
      if (el.tagName === "SELECT") { return el.value; }
      var value = el.value.trim();
      if (!value) { return ""; }
      var code = /\[([a-z_]+)\]$/.exec(value);
      return code ? code[1] : null;
    }
    return "";
  };
  var mark = function (field, required) {
    field.required = required;
    var label = form.querySelector("label[for='" + field.id + "']");
    if (!label) { return; }
    label.classList.toggle("requiredField", required);
    var star = label.querySelector(".asteriskField");
    if (required && !star) {
      star = document.createElement("span"); star.className = "asteriskField"; star.textContent = "*";
      label.appendChild(star);
    } else if (!required && star) { star.remove(); }
  };
  form.querySelectorAll("[data-required-when]").forEach(function (field) {
    var name = field.dataset.requiredWhen;
    var values = field.hasAttribute("data-required-values") ? field.dataset.requiredValues.split(" ") : null;
    var update = function () {
      var answer = answerOf(name);
      if (!values) { mark(field, answer === ""); } else if (answer !== null) { mark(field, values.indexOf(answer) !== -1); }
    };
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
      el.addEventListener("input", update); el.addEventListener("change", update);
    });
    update();
  });

  // A prior trial's details (dose reached, what an intolerance was to) only on the rows whose outcome they matter
  // for; the server ignores them on other rows.
  form.querySelectorAll("select[name$='-outcome']").forEach(function (outcome) {
    var row = outcome.closest("tr");
    if (!row) { return; }
    var details = row.querySelectorAll("[data-outcome]");
    if (!details.length) { return; }
    var toggle = function () {
      details.forEach(function (el) {
        (el.closest(".mb-3") || el.parentElement).hidden = el.dataset.outcome !== outcome.value;
      });
    };
    outcome.addEventListener("change", toggle); toggle();
  });

  // Weight shown both ways.
  var weight = form.querySelector("[name='patient-weight']");
  var unit = form.querySelector("[name='patient-weight_unit']");
  if (weight && unit) {
    var out = document.createElement("div");
    out.className = "form-text"; out.setAttribute("aria-live", "polite");
    weight.parentElement.appendChild(out);
    var show = function () {
      var v = parseFloat(weight.value);
      if (!(v > 0)) { out.textContent = ""; return; }
      out.textContent = unit.value === "lb" ? "= " + (v / 2.20462).toFixed(1) + " kg" : "= " + (v * 2.20462).toFixed(1) + " lb";
    };
    weight.addEventListener("input", show); unit.addEventListener("change", show); show();
  }

  // Dose calculator: mg/kg/day × weight → mg/day → syringes/day → quantity.
  var perKg = form.querySelector("[name='dose-mg_per_kg']");
  var mg = form.querySelector("[name='dose-mg_per_day']");
  var days = form.querySelector("[name='dose-days_supply']");
  var qty = form.querySelector("[name='dose-quantity']");
  var line = document.getElementById("dose-calculation");
  var help = document.getElementById("dose-help");
  if (mg && days && qty && line) {
    var calc = function (event) {
      var kg = help ? parseFloat(help.dataset.weightKg) : NaN;
      if (perKg && event && event.target === perKg && perKg.value && kg > 0) {
        mg.value = (parseFloat(perKg.value) * kg).toFixed(0);
      }
      var dose = parseFloat(mg.value), d = parseInt(days.value, 10);
      if (!(dose > 0) || !(d > 0)) { line.textContent = ""; return; }
      // The policy's syringe strength (data-strength-mg), counted as the engine counts: a new syringe per dose.
      var strength = help ? parseFloat(help.dataset.strengthMg) : NaN;
      if (!(strength > 0)) { line.textContent = ""; return; }
      var perDay = Math.max(1, Math.ceil(dose / strength - 1e-9));
      line.textContent = dose + " mg/day → " + perDay + " syringe" + (perDay > 1 ? "s" : "") + "/day → " + (perDay * d) + " syringes for " + d + " days.";
      if (event && event.target !== qty && (qty.dataset.auto === "1" || !qty.value)) { qty.value = perDay * d; qty.dataset.auto = "1"; }
    };
    [perKg, mg, days].forEach(function (el) { if (el) { el.addEventListener("input", calc); } });
    qty.addEventListener("input", function () { qty.dataset.auto = "0"; });
    // A page shown again (e.g. after the dose was refused) keeps following the calculator when its quantity is
    // the calculator's own figure for the dose shown: only a figure the prescriber typed stays put.
    var strength0 = help ? parseFloat(help.dataset.strengthMg) : NaN;
    var dose0 = parseFloat(mg.value), d0 = parseInt(days.value, 10);
    if (!qty.value || (strength0 > 0 && dose0 > 0 && d0 > 0 &&
        parseInt(qty.value, 10) === Math.max(1, Math.ceil(dose0 / strength0 - 1e-9)) * d0)) {
      qty.dataset.auto = "1";
    }
    calc();
  }
})();
