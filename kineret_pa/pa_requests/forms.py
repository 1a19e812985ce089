"""The steps of the prescriber's form. Each form asks only what the policy needs.

Forms receive a `StepContext` (the chosen policy's snapshot and the facts its criteria
and limits look at) and validate in words a prescriber reads. They never decide: the
engine does, from the request built in services.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from kineret_pa.engine.facts import (
    DATA_FACTS,
    FACTS,
    NUMBER_FACTS,
    OUTCOMES,
    TRIAL_HIGHER_DOSE_NOT_TOLERATED,
    TRIAL_INDICATION,
    TRIAL_INTOLERANCE_TO,
    TRIAL_MONTHS,
    TRIAL_ROUTE,
    TRIAL_WEEKLY_DOSE,
    DataFact,
    EnumFact,
    NumberFact,
    format_number,
)
from kineret_pa.engine.request import ICD10_RE, MSG_DATE_TOO_FAR, latest_date_of_service, normalize_icd10
from kineret_pa.engine.snapshot import Catalog, Snapshot
from kineret_pa.engine.vocabulary import syringes_per_day
from kineret_pa.policies.snapshots import PolicyData

from .models import PrescriberProfile

LB_PER_KG = Decimal("2.20462")
_WEIGHT = NUMBER_FACTS["patient.weight_kg"]  # asked in kg or lb: the field is the number and a unit
MIN_KG, MAX_KG = Decimal(format_number(_WEIGHT.minimum)), Decimal(format_number(_WEIGHT.maximum))
_AGE = NUMBER_FACTS["patient.age_years"]  # also stated from the date of birth, so checked again there

MSG_NEED_AGE = "Give the date of birth, or the age when the date is not at hand."
MSG_FUTURE_DOB = "The date of birth cannot be in the future."
MSG_OLD_DOB = f"That date of birth gives an age over {_AGE.maximum:g} years: check the year."
MSG_WEIGHT_RANGE = f"Weight must be {_WEIGHT.range_words()} ({MAX_KG * LB_PER_KG:.0f} lb)."
MSG_WEIGHT_REQUIRED = "This diagnosis has a weight-based rule under this policy: enter the weight on the Patient step."
MSG_PLAN_REQUIRED = "Choose the plan option: this policy's criteria differ by plan."
MSG_PLAN_NOT_USED = "This policy has no plan options: leave the plan blank."
MSG_EXPEDITED = "An expedited request needs your statement that waiting could seriously jeopardize the patient."
MSG_NO_VERSION = "No version of this policy is in force on that date."
MSG_UNKNOWN_DRUG = "“{name}” is not a drug we know: choose a generic or brand name from the list."
MSG_DIAGNOSIS_UNKNOWN = "No diagnosis matches “{query}”: type a name, alias or ICD-10-CM code from the list."
MSG_DIAGNOSIS_AMBIGUOUS = "“{query}” matches more than one diagnosis: choose one of {choices}."
MSG_SEVERITY_REQUIRED = "This policy asks how active the disease is."
MSG_DOSE_REQUIRED = "Enter the daily dose, or the dose in mg/kg/day."
MSG_QUANTITY_CONFIRM = (
    "{mg_per_day} mg a day for {days} comes to {syringes}; you entered {quantity}. Confirm the quantity or correct it."
)
LABEL_QUANTITY_CONFIRMED = "Yes, the quantity is what I mean"
# How far the quantity typed may be from what the dose comes to before it is asked about: one syringe either way.
QUANTITY_TOLERANCE = 1
MSG_ANSWER_REQUIRED = "Please answer this question."
MSG_PROFILE_INCOMPLETE = "Complete your prescriber profile (name, specialty, NPI, phone and fax) before submitting."

YES_NO = [("yes", "Yes"), ("no", "No")]
# The form's answer to a yes/no question, as the contract states it.
_YES_NO_VALUES = {"yes": True, "no": False}
# What a step adds to its cleaned data: the facts its answers state, by dotted path (services.request_build).
STEP_FACTS = "facts"


def field_name(path: str, group: str = "") -> str:
    """A fact's field: its dotted path with "__" for ".", less the step's own group (the dose step's prefix
    already says "dose": "dose-quantity" answers "dose.quantity")."""
    if group and path.startswith(f"{group}."):
        path = path[len(group) + 1 :]
    return path.replace(".", "__")


def _decimal(value: float) -> Decimal:
    return Decimal(format_number(value))


def number_field(spec: NumberFact, **options) -> forms.Field:
    """A number's field with the declared range, in the declared precision."""
    if spec.decimals == 0:
        low = math.floor(spec.minimum) + 1 if spec.minimum_exclusive else math.ceil(spec.minimum)
        return forms.IntegerField(min_value=low, max_value=math.floor(spec.maximum), **options)
    step = Decimal(1).scaleb(-spec.decimals)
    low = _decimal(spec.minimum) + (step if spec.minimum_exclusive else 0)
    # One digit more than the maximum needs, so a value just over it reads "at most …", not "too many digits".
    digits = len(str(int(spec.maximum))) + spec.decimals + 1
    return forms.DecimalField(
        min_value=low, max_value=_decimal(spec.maximum), max_digits=digits, decimal_places=spec.decimals, **options
    )


def fact_field(
    path: str,
    *,
    required: bool = True,
    select: bool = False,
    help_text: str | None = None,
    error_messages: dict[str, str] | None = None,
) -> forms.Field:
    """The form field for a fact, from its one declaration in engine/facts.py: the question, help, choices or
    range, and the value preselected."""
    spec = FACTS[path]
    options: dict[str, Any] = {
        "label": spec.asked,
        "help_text": spec.help if help_text is None else help_text,
        "required": required,
        "initial": spec.default if spec.initial is None else spec.initial,
    }
    if error_messages:
        options["error_messages"] = error_messages
    if isinstance(spec, NumberFact):
        return number_field(spec, **options)
    if isinstance(spec, DataFact):  # its choices are rows: the step fills them from the catalog (StepForm.ask)
        if spec.blank:  # blank is an answer ("no specialist consulted"), offered as the first choice
            options["required"] = False
            return forms.ChoiceField(choices=[("", spec.blank_choice)], **options)
        return forms.ChoiceField(choices=[("", "Choose…")], **options)
    choices = YES_NO if spec.yes_no else list(spec.answers)
    if select:
        return forms.ChoiceField(choices=[("", "Choose…"), *choices], **options)
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)


def fact_value(value: Any) -> Any:
    """A cleaned answer as the contract states it: yes/no as true/false, decimals as numbers, blank as None."""
    if value in ("", None):
        return None
    if isinstance(value, Decimal):
        return float(value)
    return _YES_NO_VALUES.get(value, value) if isinstance(value, str) else value


@dataclass
class StepContext:
    policy_data: PolicyData  # read once for this request: every step's lookups see one revision
    snapshot: Snapshot | None = None
    needs: frozenset[str] = frozenset()  # facts needed for the chosen diagnosis
    needs_any: frozenset[str] = frozenset()  # facts needed for some diagnosis of this policy
    diagnosis: str | None = None
    weight_kg: float | None = None
    profile: PrescriberProfile | None = None
    questions: list = field(default_factory=list)
    request_type: str = "initial"
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def catalog(self) -> Catalog:
        return self.policy_data.catalog


class StepForm(forms.Form):
    """A step of the form. Its fact fields come from the vocabulary (`ask`); once cleaned, its data holds
    the facts they state under STEP_FACTS, which is all request_build needs to know of them."""

    group = ""  # the fact group this step is named after: its facts' fields drop the group from their names
    asks: tuple[str, ...] = ()  # the facts this step names; the screening step asks every fact no step names
    contract_fields: tuple[str, ...] = ()  # the contract's structured fields (engine CONTRACT_FIELDS) it states

    @classmethod
    def states(cls) -> frozenset[str]:
        """The contract fields and fact paths this step's answers state, from its declarations above: what the
        reviewer's page shows under the step's title (pa_requests/presentation.py)."""
        grouped = (path for path in FACTS if cls.group and path.startswith(f"{cls.group}."))
        return frozenset((*cls.contract_fields, *cls.asks, *grouped))

    def __init__(self, *args, context: StepContext, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context
        self.fact_paths: dict[str, str] = {}  # cleaned-data key -> the fact's dotted path
        self.ask_facts()
        self.order_fields(self.field_order)

    def ask_facts(self) -> None:
        """Add the fields of the facts this step asks (for the context's policy and diagnosis)."""

    def answer(self, name: str) -> str:
        """What the answers this form is bound to give one of its fields, as typed ("" when none). A rule that
        makes a field required by another answer reads it before cleaning, so the page can mark the field."""
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        return value.strip() if isinstance(value, str) else ""

    def require(self, name: str, message: str) -> None:
        """Make a field required where the answers make it so, refused blank in the rule's words: the page then
        marks it as every required field (the asterisk and `required`), and only where the server refuses it."""
        field = self.fields[name]
        field.required = True
        field.error_messages["required"] = message

    @staticmethod
    def required_when(field: forms.Field, answer: str, values: list[str] | tuple[str, ...] = ()) -> None:
        """Tell the page's script when the field is required: when the field named `answer` has one of `values`,
        or, without values, unless it has any value (form.js marks it as the prescriber answers)."""
        field.widget.attrs["data-required-when"] = answer
        if values:
            field.widget.attrs["data-required-values"] = " ".join(values)

    def ask(self, path: str, **options) -> None:
        name = field_name(path, self.group)
        field = self.fields[name] = fact_field(path, **options)
        self.fact_paths[name] = path
        if path in DATA_FACTS:
            field.choices = [*field.choices, *self.context.policy_data.catalog.fact_values.get(path, {}).items()]

    def full_clean(self):
        super().full_clean()
        # Only where the step asks facts: a formset's blank row must keep its empty (falsy) cleaned data.
        if self.fact_paths and hasattr(self, "cleaned_data"):
            self.cleaned_data[STEP_FACTS] = self.facts()

    def facts(self) -> dict[str, Any]:
        """The facts this step's cleaned answers state, by dotted path; blank answers are left out."""
        stated = {path: fact_value(self.cleaned_data.get(name)) for name, path in self.fact_paths.items()}
        return {path: value for path, value in stated.items() if value is not None}


class PolicyForm(StepForm):
    field_order = ("policy", "plan", "benefit", "request_type", "urgency", "expedited_attestation", "date_of_service")
    asks = ("plan", "benefit", "request_type")
    contract_fields = ("policy", "date_of_service")
    policy = forms.ChoiceField(label="Payer and policy")
    urgency = forms.ChoiceField(
        label="Urgency",
        widget=forms.RadioSelect,
        initial="standard",
        choices=[("standard", "Standard"), ("expedited", "Expedited")],
    )
    expedited_attestation = forms.BooleanField(
        required=False,
        label="I state that applying the standard time frame could seriously jeopardize the patient's life, "
        "health or ability to regain maximum function.",
    )
    # ISO only, as the API: the browser's date picker sends YYYY-MM-DD whatever the locale shows.
    date_of_service = forms.DateField(
        label="Date of service", widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )

    def ask_facts(self) -> None:
        self.ask("plan", required=False, select=True)  # its choices: the chosen policy's plans, below
        self.ask("benefit")
        self.ask("request_type")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.policies = {p.code: p for p in self.context.policy_data.policies}
        self.fields["policy"].choices = [("", "Choose…")] + [(p.code, p.label) for p in self.policies.values()]
        plans = dict(plan for p in self.policies.values() for plan in p.plans)
        self.fields["plan"].choices = [("", "Not applicable")] + list(plans.items())
        self.fields["date_of_service"].initial = self.context.today
        # Required by other answers: the plan where the chosen policy has plans, the statement where the request is
        # expedited. Marked from the answers known to the form, and by the page's script as the prescriber answers.
        chosen = self.policies.get(self.answer("policy"))
        if chosen is not None and chosen.plans:
            self.require("plan", MSG_PLAN_REQUIRED)
        if self.answer("urgency") == "expedited":
            self.require("expedited_attestation", MSG_EXPEDITED)
        with_plans = [p.code for p in self.policies.values() if p.plans]
        self.required_when(self.fields["plan"], self.add_prefix("policy"), with_plans)
        self.required_when(self.fields["expedited_attestation"], self.add_prefix("urgency"), ["expedited"])

    def clean_date_of_service(self):
        on = self.cleaned_data["date_of_service"]
        latest = latest_date_of_service(self.context.today)
        if on > latest:
            raise forms.ValidationError(MSG_DATE_TOO_FAR.format(latest=latest.isoformat()))
        return on

    def clean(self):
        data = super().clean()
        policy = self.policies.get(data.get("policy"))
        if policy is not None:
            plan_codes = {code for code, _ in policy.plans}
            if plan_codes and data.get("plan") not in plan_codes and "plan" not in self.errors:
                self.add_error("plan", MSG_PLAN_REQUIRED)  # another payer's plan: a blank one is refused above
            elif not plan_codes and data.get("plan"):
                self.add_error("plan", MSG_PLAN_NOT_USED)
            on = data.get("date_of_service")
            if on and self.context.policy_data.version_for(policy.code, on).version_id is None:
                self.add_error("date_of_service", MSG_NO_VERSION)
        if (
            data.get("urgency") == "expedited"
            and not data.get("expedited_attestation")
            and "expedited_attestation" not in self.errors
        ):
            self.add_error("expedited_attestation", MSG_EXPEDITED)
        return data


class PatientForm(StepForm):
    group = "patient"
    field_order = ("patient_name", "date_of_birth", "age_years", "member_id", "weight", "weight_unit")
    asks = ("patient.age_years", "patient.weight_kg")
    patient_name = forms.CharField(label="Patient name", max_length=120)
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    member_id = forms.CharField(label="Member ID", max_length=40)
    # The weight fact is asked as a number and a unit (its range checked in kg by clean(), which states it in kg).
    weight = forms.DecimalField(
        label=_WEIGHT.asked, help_text=_WEIGHT.help, required=False, max_digits=6, decimal_places=2
    )
    # The unit only qualifies a weight, which is optional: a blank one (no browser sends it) is kg.
    weight_unit = forms.ChoiceField(label="Unit", choices=[("kg", "kg"), ("lb", "lb")], initial="kg", required=False)

    def ask_facts(self) -> None:
        self.ask("patient.age_years", required=False)  # or the date of birth: clean() states the age from it
        if "patient.weight_kg" in self.context.needs_any:
            self.fact_paths["weight_kg"] = "patient.weight_kg"
        else:
            del self.fields["weight"], self.fields["weight_unit"]  # no weight-based rule in this policy
        # The date of birth is asked; the age stands in for it only when the date is not at hand.
        if not self.answer("age_years"):
            self.require("date_of_birth", MSG_NEED_AGE)
        self.required_when(self.fields["date_of_birth"], self.add_prefix("age_years"))

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > self.context.today:
            raise forms.ValidationError(MSG_FUTURE_DOB)
        return born

    def clean(self):
        data = super().clean()
        born = data.get("date_of_birth")
        if born:
            today = self.context.today
            data["age_years"] = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            if data["age_years"] > _AGE.maximum:
                self.add_error("date_of_birth", MSG_OLD_DOB)
        if "weight" in self.fields and "weight" not in self.errors:
            weight = data.get("weight")
            if weight is not None:
                kg = weight / LB_PER_KG if data.get("weight_unit") == "lb" else weight
                if not MIN_KG < kg <= MAX_KG:
                    self.add_error("weight", MSG_WEIGHT_RANGE)
                else:
                    data["weight_kg"] = float(round(kg, 2))
        return data


def diagnosis_options(catalog: Catalog) -> list[tuple[str, str]]:
    """(value, label) for the searchable diagnosis list: names, aliases and ICD-10 codes."""
    options = [(f"{d.name} [{d.slug}]", d.name) for d in catalog.diagnoses.values() if d.selectable]
    options += [
        (f"{alias} [{slug}]", catalog.diagnoses[slug].name) for alias, slug in catalog.diagnosis_aliases.items()
    ]
    for entry in catalog.icd10:
        names = ", ".join(catalog.diagnoses[d].name for d in entry.diagnoses)
        code = entry.code_from if entry.code_from == entry.code_to else f"{entry.code_from}–{entry.code_to}"
        options.append((entry.code_from, f"{code} {entry.description} → {names}"))
    return options


def diagnosis_search(query: str, catalog: Catalog) -> tuple[list[str], str | None]:
    """Diagnoses matching what was typed: a list entry, an ICD-10 code, a slug or alias, or part of a name."""
    query = query.strip()
    bracket = re.search(r"\[([a-z_]+)\]\s*$", query)
    if bracket and catalog.diagnosis_slug(bracket.group(1)):
        return _members([catalog.diagnosis_slug(bracket.group(1))], catalog), None
    code = normalize_icd10(query)
    if ICD10_RE.match(code):
        return list(catalog.icd10_diagnoses(code)), code
    slug = catalog.diagnosis_slug(query.replace(" ", "_"))
    if slug:
        return _members([slug], catalog), None
    words = query.lower().replace("’", "'")
    found = [d.slug for d in catalog.diagnoses.values() if words in d.name.lower()]
    return _members(found, catalog), None


def _members(slugs: list[str], catalog: Catalog) -> list[str]:
    """A group such as CAPS or Still's disease is not requested itself: it stands for its members."""
    found: list[str] = []
    for slug in slugs:
        if catalog.diagnoses[slug].selectable:
            members = [slug]
        else:
            members = [d.slug for d in catalog.diagnoses.values() if d.selectable and slug in d.ancestors]
        found += [member for member in members if member not in found]
    return found


class DiagnosisForm(StepForm):
    diagnosis = forms.CharField(
        label="Diagnosis",
        max_length=200,
        help_text="Type a name, alias or ICD-10-CM code — e.g. “M05.79” or “Still” — and pick from the list.",
        widget=forms.TextInput(attrs={"list": "diagnosis-options", "autocomplete": "off"}),
    )
    icd10 = forms.CharField(
        label="ICD-10-CM code", required=False, max_length=10, help_text="Optional when the diagnosis is given by name."
    )
    asks = ("severity",)
    contract_fields = ("diagnosis", "icd10")

    def ask_facts(self) -> None:
        if "severity" in self.context.needs_any:
            # Required only for a diagnosis whose criteria read it: the one typed, when it names one diagnosis.
            self.ask("severity", required=False, select=True)
            query = self.answer("diagnosis")
            found = diagnosis_search(query, self.context.catalog)[0] if query else []
            if len(found) == 1 and self._severity_needed(found[0]):
                self.require("severity", MSG_SEVERITY_REQUIRED)

    def clean(self):
        data = super().clean()
        query = data.get("diagnosis")
        if not query:
            return data
        catalog = self.context.catalog
        found, code = diagnosis_search(query, catalog)
        if not found:
            self.add_error("diagnosis", MSG_DIAGNOSIS_UNKNOWN.format(query=query))
            return data
        if len(found) > 1:
            choices = ", ".join(catalog.diagnoses[s].name for s in found)
            self.add_error("diagnosis", MSG_DIAGNOSIS_AMBIGUOUS.format(query=query, choices=choices))
            return data
        data["diagnosis_slug"] = found[0]
        typed = normalize_icd10(data.get("icd10") or "") or code
        if typed and not ICD10_RE.match(typed):
            self.add_error("icd10", "Enter an ICD-10-CM code such as M05.79.")
        elif typed:
            listed = catalog.icd10_diagnoses(typed)
            if listed and found[0] not in listed:
                self.add_error("icd10", f"{typed} does not describe {catalog.diagnoses[found[0]].name}.")
            data["icd10_code"] = typed
        return data

    def _severity_needed(self, slug: str) -> bool:
        from kineret_pa.engine.needs import facts_needed

        snap = self.context.snapshot
        return snap is not None and "severity" in facts_needed(
            snap, diagnosis=slug, request_type=self.context.request_type
        )

    def severity_needed_for(self) -> list[str]:
        """The diagnoses whose criteria read the disease activity under this policy: the page's script marks the
        field required as one of them is typed. Worked out only for the page, not for every validation."""
        if "severity" not in self.fields:
            return []
        return [
            d.slug for d in self.context.catalog.diagnoses.values() if d.selectable and self._severity_needed(d.slug)
        ]


class DrugField(forms.CharField):
    widget = forms.TextInput(attrs={"list": "drug-options", "autocomplete": "off"})


def trial_field(
    spec: EnumFact | NumberFact | DataFact, *, outcome: str | None, catalog: Catalog | None = None
) -> forms.Field:
    """An optional detail of a prior trial (engine/facts.py TRIAL_FIELDS), in its declared words and range; the
    page's script shows it on the rows with that `outcome`, the only ones it matters for (None: every row). A
    detail whose values are data takes them from the `catalog`."""
    options: dict[str, Any] = {"label": spec.asked, "help_text": spec.help, "required": False}
    if isinstance(spec, NumberFact):
        field = number_field(spec, **options)
    elif isinstance(spec, DataFact):
        values = catalog.fact_values.get(spec.path, {}) if catalog is not None else {}
        field = forms.ChoiceField(choices=[("", "—"), *values.items()], **options)
    else:
        choices = YES_NO if spec.yes_no else list(spec.answers)
        field = forms.ChoiceField(choices=[("", "—"), *choices], **options)
    if outcome is not None:
        field.widget.attrs["data-outcome"] = outcome
    return field


# A trial's details, by the outcome they matter for: the dose reached for an inadequate response ("maximally
# tolerated methotrexate"), what an intolerance was to ("not to the route of administration").
TRIAL_DETAILS: dict[str, str | None] = {
    TRIAL_WEEKLY_DOSE.path: "inadequate_response",
    TRIAL_HIGHER_DOSE_NOT_TOLERATED.path: "inadequate_response",
    TRIAL_INTOLERANCE_TO.path: "intolerance",
    TRIAL_INDICATION.path: None,  # whatever the outcome
    TRIAL_ROUTE.path: None,
}
_TRIAL_SPECS = {
    spec.path: spec
    for spec in (
        TRIAL_WEEKLY_DOSE,
        TRIAL_HIGHER_DOSE_NOT_TOLERATED,
        TRIAL_INTOLERANCE_TO,
        TRIAL_INDICATION,
        TRIAL_ROUTE,
    )
}


class TherapyForm(StepForm):
    drug = DrugField(label="Drug", max_length=120)
    months = number_field(TRIAL_MONTHS, label=TRIAL_MONTHS.asked, required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…")] + list(OUTCOMES.items()))
    contract_fields = ("prior_therapies",)  # one item per row

    def ask_facts(self) -> None:
        # A trial's details are asked only where the chosen policy's criteria look at them.
        for path, outcome in TRIAL_DETAILS.items():
            if path in self.context.needs:
                spec = _TRIAL_SPECS[path]
                self.fields[path.rpartition(".")[2]] = trial_field(spec, outcome=outcome, catalog=self.context.catalog)

    def clean_drug(self):
        name = self.cleaned_data["drug"]
        if self.context.catalog.drug_id(name) is None:
            raise forms.ValidationError(MSG_UNKNOWN_DRUG.format(name=name))
        return name

    def clean(self):
        data = super().clean()
        # A detail answered for another outcome (then hidden on the page) says nothing of this trial.
        for path, outcome in TRIAL_DETAILS.items():
            name = path.rpartition(".")[2]
            if name in data and outcome is not None and data.get("outcome") != outcome:
                data[name] = None
        return data


def trial_details(row: dict[str, Any]) -> dict[str, Any]:
    """A prior-therapy row's details (its cleaned data) as the contract states them; blank ones are left out."""
    stated = {name: fact_value(row.get(name)) for name in (path.rpartition(".")[2] for path in TRIAL_DETAILS)}
    return {name: value for name, value in stated.items() if value is not None}


class ConcomitantForm(StepForm):
    drug = DrugField(label="Drug", max_length=120)
    contract_fields = ("concomitant_drugs",)  # one drug per row

    def clean_drug(self):
        name = self.cleaned_data["drug"]
        if self.context.catalog.drug_id(name) is None:
            raise forms.ValidationError(MSG_UNKNOWN_DRUG.format(name=name))
        return name


class RowsFormSet(forms.BaseFormSet):
    """Rows a prescriber adds and removes; blank extra rows are ignored."""

    def __init__(self, *args, context: StepContext, **kwargs):
        self.context = context
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"context": self.context}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            context=self.context,
        )
        self.add_fields(form, None)
        return form

    def rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


TherapyFormSet = forms.formset_factory(
    TherapyForm, formset=RowsFormSet, extra=1, can_delete=True, max_num=30, validate_max=True
)
ConcomitantFormSet = forms.formset_factory(
    ConcomitantForm, formset=RowsFormSet, extra=1, can_delete=True, max_num=30, validate_max=True
)


class ScreeningForm(StepForm):
    """Every fact no other step asks, where the policy's criteria look at it: a new fact appears here."""

    @classmethod
    def states(cls) -> frozenset[str]:
        return frozenset(SCREENING_PROMPTS)

    def ask_facts(self) -> None:
        for path in SCREENING_PROMPTS:
            if path in self.context.needs:
                self.ask(path, error_messages={"required": MSG_ANSWER_REQUIRED})


class QuestionsForm(StepForm):
    contract_fields = ("answers",)

    def ask_facts(self) -> None:
        # The policy data's questions, not the vocabulary's facts: each answers "answers.<code>".
        for question in self.context.questions:
            self.fields[f"q__{question.code}"] = forms.ChoiceField(
                label=question.wording,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": MSG_ANSWER_REQUIRED},
            )
            self.fact_paths[f"q__{question.code}"] = f"answers.{question.code}"


class DoseForm(StepForm):
    group = "dose"
    mg_per_kg = forms.DecimalField(
        label="Dose in mg/kg/day",
        required=False,
        min_value=Decimal("0.01"),
        max_value=50,
        max_digits=5,
        decimal_places=2,
        help_text="Optional: with the weight, it fills the daily dose.",
    )

    def ask_facts(self) -> None:
        # The dose and the quantity it comes to are always asked; the other dose facts where the policy looks.
        if self.context.weight_kg is None:
            del self.fields["mg_per_kg"]
        for path in DOSE_FACTS:
            if path in DOSE_ALWAYS or path in self.context.needs:
                help_text = None
                if path == "dose.quantity":
                    strength = self.strength_mg
                    help_text = FACTS[path].help.format(strength_mg=format_number(strength)) if strength else ""
                required = path in DOSE_REQUIRED and not (path == "dose.mg_per_day" and "mg_per_kg" in self.fields)
                self.ask(path, required=required, help_text=help_text)
            if path == "dose.quantity":
                # Shown beside the quantity only when it is far from the dose (clean()); kept in the draft always.
                self.fields["quantity_confirmed"] = forms.CharField(
                    label=LABEL_QUANTITY_CONFIRMED, required=False, max_length=10, widget=forms.HiddenInput
                )
        if "mg_per_kg" in self.fields:
            # The daily dose, or the dose per kg it is worked out from.
            if not self.answer("mg_per_kg"):
                self.require("mg_per_day", MSG_DOSE_REQUIRED)
            self.required_when(self.fields["mg_per_day"], self.add_prefix("mg_per_kg"))

    @property
    def strength_mg(self) -> float | None:
        """The syringe strength the quantity is counted in: the policy data's, as the engine counts it."""
        snap = self.context.snapshot
        return snap.product_strength_mg if snap is not None else None

    @property
    def strength_words(self) -> str:
        return format_number(self.strength_mg) if self.strength_mg else ""

    def quantity_for(self, mg_per_day: Decimal | float, days_supply: int) -> int | None:
        """Syringes for the days supply: a new syringe for each dose (the engine's rule and strength)."""
        strength = self.strength_mg
        return syringes_per_day(float(mg_per_day), strength) * days_supply if strength else None

    def clean(self):
        data = super().clean()
        per_kg, weight = data.get("mg_per_kg"), self.context.weight_kg
        if weight is None and "patient.weight_kg" in self.context.needs:
            raise forms.ValidationError(MSG_WEIGHT_REQUIRED)
        if data.get("mg_per_day") is None and per_kg is not None and weight is not None:
            data["mg_per_day"] = (per_kg * Decimal(str(weight))).quantize(Decimal("0.01"))
        mg_per_day, days = data.get("mg_per_day"), data.get("days_supply")
        if mg_per_day and days:
            comes_to = self.quantity_for(mg_per_day, days)
            if not data.get("quantity"):
                data["quantity"] = comes_to
            elif comes_to is not None and abs(data["quantity"] - comes_to) > QUANTITY_TOLERANCE:
                self._quantity_confirm(data, comes_to)
        return data

    def _quantity_confirm(self, data: dict, comes_to: int) -> None:
        """A quantity far from what the dose comes to is a slip as often as a choice: refused on the quantity,
        in figures, until the box beside it is ticked for that quantity."""
        quantity = data["quantity"]
        self.fields["quantity_confirmed"].widget = QuantityConfirmation(str(quantity))
        if data.get("quantity_confirmed") != str(quantity):
            days = data["days_supply"]
            message = MSG_QUANTITY_CONFIRM.format(
                mg_per_day=format_number(float(data["mg_per_day"])),
                days=f"{days} day{'' if days == 1 else 's'}",
                syringes=f"{comes_to} syringe{'' if comes_to == 1 else 's'}",
                quantity=quantity,
            )
            self.add_error("quantity", message)


class QuantityConfirmation(forms.CheckboxInput):
    """The box that confirms a quantity: its value is that quantity, so a tick given for one quantity confirms no
    other (a quantity changed after the tick is asked about again)."""

    def __init__(self, quantity: str):
        super().__init__(check_test=lambda value: value == quantity)
        self.quantity = quantity

    def format_value(self, value):
        return self.quantity

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


# Which step asks which fact, derived from the forms and the vocabulary: the dose step asks the "dose" group,
# the first steps the facts they name, and the screening step every other fact (in the vocabulary's order).
DOSE_FACTS = tuple(path for path in FACTS if path.startswith(f"{DoseForm.group}."))
DOSE_ALWAYS = frozenset({"dose.mg_per_day", "dose.days_supply", "dose.quantity"})
DOSE_REQUIRED = frozenset({"dose.mg_per_day", "dose.days_supply", "dose.channel"})
_ASKED_FIRST = frozenset((*PolicyForm.asks, *PatientForm.asks, *DiagnosisForm.asks, *DOSE_FACTS))
SCREENING_PROMPTS = {path: spec.asked for path, spec in FACTS.items() if path not in _ASKED_FIRST}


class ReviewForm(StepForm):
    attestation = forms.BooleanField(
        label="I attest that the information in this request is accurate and supported by the patient's "
        "medical record.",
        error_messages={"required": "Submitting needs your attestation."},
    )

    def clean(self):
        data = super().clean()
        profile = self.context.profile
        if profile is None or not all([profile.full_name, profile.specialty, profile.npi, profile.phone, profile.fax]):
            raise forms.ValidationError(MSG_PROFILE_INCOMPLETE)
        return data


class ProfileForm(forms.ModelForm):
    class Meta:
        model = PrescriberProfile
        fields = ["full_name", "specialty", "npi", "phone", "fax"]
        help_texts = {"npi": "10 digits; checked with the NPI check digit."}
