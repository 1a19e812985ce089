"""The steps of the prescriber's form. Each form asks only what the policy needs.

Forms receive a `StepContext` (the chosen policy's snapshot and the facts its criteria
and limits look at) and validate in words a prescriber reads. They never decide: the
engine does, from the request built in services.py.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils import timezone

from kineret_pa.engine.facts import ENUM_FACTS, OUTCOMES
from kineret_pa.engine.request import ICD10_RE, MSG_DATE_TOO_FAR, latest_date_of_service, normalize_icd10
from kineret_pa.engine.snapshot import Catalog, Snapshot
from kineret_pa.policies.snapshots import policies_get, version_for

from .models import PrescriberProfile

LB_PER_KG = Decimal("2.20462")
MAX_KG = Decimal("400")

MSG_NEED_AGE = "Give the date of birth, or the age when the date is not at hand."
MSG_FUTURE_DOB = "The date of birth cannot be in the future."
MSG_OLD_DOB = "That date of birth gives an age over 130 years: check the year."
MSG_WEIGHT_RANGE = "Weight must be more than 0 and at most 400 kg (882 lb)."
MSG_WEIGHT_REQUIRED = "This diagnosis has a weight-based rule under this policy: enter the weight on the Patient step."
MSG_PLAN_REQUIRED = "Choose the plan option: this policy's criteria differ by plan."
MSG_PLAN_NOT_USED = "This policy has no plan options: leave the plan blank."
MSG_EXPEDITED = "An expedited request needs your statement that waiting could seriously jeopardize the patient."
MSG_NO_VERSION = "No version of this policy is in force on that date."
MSG_UNKNOWN_DRUG = "“{name}” is not a drug we know: choose a generic or brand name from the list."
MSG_DIAGNOSIS_UNKNOWN = "No diagnosis matches “{query}”: type a name, alias or ICD-10-CM code from the list."
MSG_DIAGNOSIS_AMBIGUOUS = "“{query}” matches more than one diagnosis: choose one of {choices}."
MSG_SEVERITY_REQUIRED = "This policy asks how active the disease is."
MSG_ANSWER_REQUIRED = "Please answer this question."
MSG_PROFILE_INCOMPLETE = "Complete your prescriber profile (name, specialty, NPI, phone and fax) before submitting."

YES_NO = [("yes", "Yes"), ("no", "No")]

# The questions a prescriber reads, for the facts the screening step may ask, in order.
SCREENING_PROMPTS = {
    "screening.tb": "Latent tuberculosis (TB) test result",
    "screening.hbv": "Hepatitis B (HBV)",
    "screening.active_infection": "Does the patient have an active bacterial, invasive fungal, viral or other opportunistic infection?",
    "screening.live_vaccine": "Will live vaccines be given while on Kineret?",
    "screening.anakinra_contraindication": "Does the patient have an FDA-labeled contraindication to anakinra (hypersensitivity to E. coli-derived proteins or any component)?",
    "prescriber.is_specialist": "Are you a specialist in the area of this diagnosis (e.g. a rheumatologist for RA)?",
    "prescriber.consulted_specialist": "Have you consulted a specialist in the area of this diagnosis?",
    "site_of_care": "Who will administer Kineret?",
    "anakinra_history.within_90_days": "Has the patient been treated with anakinra in the past 90 days?",
    "anakinra_history.at_risk_if_changed": "Is the patient at risk if therapy is changed?",
    "renewal.previously_approved": "Was anakinra previously approved by this payer for this patient?",
    "renewal.clinical_benefit": "Has the condition improved or stabilized on anakinra?",
    "car_t_therapy": "Has the patient been, or will the patient be, treated with CAR T-cell therapy?",
    "age_support_provided": "Have you provided information supporting anakinra at this patient's age for this indication?",
    "preferred_not_appropriate_with_list": "Are ALL preferred products not clinically appropriate, and have you listed every preferred product tried?",
}


def field_name(path: str) -> str:
    return path.replace(".", "__")


@dataclass
class StepContext:
    catalog: Catalog
    snapshot: Snapshot | None = None
    needs: frozenset[str] = frozenset()  # facts needed for the chosen diagnosis
    needs_any: frozenset[str] = frozenset()  # facts needed for some diagnosis of this policy
    diagnosis: str | None = None
    weight_kg: float | None = None
    profile: PrescriberProfile | None = None
    questions: list = field(default_factory=list)
    request_type: str = "initial"
    revision: str | None = None  # the policy-data revision read once for this request
    today: dt.date = field(default_factory=timezone.localdate)


def enum_field(path: str, label: str, *, required: bool = True) -> forms.ChoiceField:
    spec = ENUM_FACTS[path]
    if spec.yes_no:
        choices = YES_NO
    else:
        choices = [(value, words[0].upper() + words[1:]) for value, words in spec.choices]
    return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect, required=required,
                             error_messages={"required": MSG_ANSWER_REQUIRED})


class StepForm(forms.Form):
    def __init__(self, *args, context: StepContext, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context


class PolicyForm(StepForm):
    policy = forms.ChoiceField(label="Payer and policy")
    plan = forms.ChoiceField(label="Plan option", required=False, help_text="Only for policies with plan options (FEP).")
    benefit = forms.ChoiceField(label="Benefit the claim is adjudicated through", widget=forms.RadioSelect,
                                choices=[("pharmacy", "Pharmacy benefit"), ("medical", "Medical benefit")], initial="pharmacy")
    request_type = forms.ChoiceField(label="Request", widget=forms.RadioSelect, initial="initial",
                                     choices=[("initial", "New request"), ("renewal", "Renewal (continuation of therapy)")])
    urgency = forms.ChoiceField(label="Urgency", widget=forms.RadioSelect, initial="standard",
                                choices=[("standard", "Standard"), ("expedited", "Expedited")])
    expedited_attestation = forms.BooleanField(
        required=False,
        label="I state that applying the standard time frame could seriously jeopardize the patient's life, "
              "health or ability to regain maximum function.",
    )
    # ISO only, as the API: the browser's date picker sends YYYY-MM-DD whatever the locale shows.
    date_of_service = forms.DateField(label="Date of service", widget=forms.DateInput(attrs={"type": "date"}),
                                      input_formats=["%Y-%m-%d"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.policies = {p.code: p for p in policies_get(self.context.revision)}
        self.fields["policy"].choices = [("", "Choose…")] + [(p.code, p.label) for p in self.policies.values()]
        plans = dict(plan for p in self.policies.values() for plan in p.plans)
        self.fields["plan"].choices = [("", "Not applicable")] + list(plans.items())
        self.fields["date_of_service"].initial = self.context.today

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
            if plan_codes and data.get("plan") not in plan_codes:
                self.add_error("plan", MSG_PLAN_REQUIRED)
            elif not plan_codes and data.get("plan"):
                self.add_error("plan", MSG_PLAN_NOT_USED)
            on = data.get("date_of_service")
            if on and version_for(policy.code, on, self.context.revision)[0] is None:
                self.add_error("date_of_service", MSG_NO_VERSION)
        if data.get("urgency") == "expedited" and not data.get("expedited_attestation"):
            self.add_error("expedited_attestation", MSG_EXPEDITED)
        return data


class PatientForm(StepForm):
    patient_name = forms.CharField(label="Patient name", max_length=120)
    date_of_birth = forms.DateField(label="Date of birth", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    age_years = forms.IntegerField(label="Age in years", required=False, min_value=0, max_value=130,
                                   help_text="Only when the date of birth is not at hand.")
    member_id = forms.CharField(label="Member ID", max_length=40)
    weight = forms.DecimalField(label="Weight", required=False, max_digits=6, decimal_places=2,
                                help_text="Used by this policy's weight-based rules (e.g. CAPS, DIRA).")
    weight_unit = forms.ChoiceField(label="Unit", choices=[("kg", "kg"), ("lb", "lb")], initial="kg")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "patient.weight_kg" not in self.context.needs_any:
            del self.fields["weight"], self.fields["weight_unit"]  # no weight-based rule in this policy

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
            if data["age_years"] > 130:
                self.add_error("date_of_birth", MSG_OLD_DOB)
        elif data.get("age_years") is None and "age_years" not in self.errors:
            self.add_error("age_years", MSG_NEED_AGE)
        if "weight" in self.fields and "weight" not in self.errors:
            weight = data.get("weight")
            if weight is not None:
                kg = weight / LB_PER_KG if data.get("weight_unit") == "lb" else weight
                if not 0 < kg <= MAX_KG:
                    self.add_error("weight", MSG_WEIGHT_RANGE)
                else:
                    data["weight_kg"] = float(round(kg, 2))
        return data


def diagnosis_options(catalog: Catalog) -> list[tuple[str, str]]:
    """(value, label) for the searchable diagnosis list: names, aliases and ICD-10 codes."""
    options = [(f"{d.name} [{d.slug}]", d.name) for d in catalog.diagnoses.values() if d.selectable]
    options += [(f"{alias} [{slug}]", catalog.diagnoses[slug].name) for alias, slug in catalog.diagnosis_aliases.items()]
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
        label="Diagnosis", max_length=200,
        help_text="Type a name, alias or ICD-10-CM code — e.g. “M05.79” or “Still” — and pick from the list.",
        widget=forms.TextInput(attrs={"list": "diagnosis-options", "autocomplete": "off"}),
    )
    icd10 = forms.CharField(label="ICD-10-CM code", required=False, max_length=10,
                            help_text="Optional when the diagnosis is given by name.")
    severity = forms.ChoiceField(label="Disease activity", required=False,
                                 choices=[("", "Choose…"), ("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "severity" not in self.context.needs_any:
            del self.fields["severity"]

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
        if "severity" in self.fields and not data.get("severity") and self._severity_needed(found[0]):
            self.add_error("severity", MSG_SEVERITY_REQUIRED)
        return data

    def _severity_needed(self, slug: str) -> bool:
        from kineret_pa.engine.needs import facts_needed

        snap = self.context.snapshot
        return snap is not None and "severity" in facts_needed(snap, diagnosis=slug, request_type=self.context.request_type)


class DrugField(forms.CharField):
    widget = forms.TextInput(attrs={"list": "drug-options", "autocomplete": "off"})


class TherapyForm(StepForm):
    drug = DrugField(label="Drug", max_length=120)
    months = forms.DecimalField(label="Months", required=False, min_value=0, max_value=600, max_digits=5, decimal_places=1)
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…")] + list(OUTCOMES.items()))

    def clean_drug(self):
        name = self.cleaned_data["drug"]
        if self.context.catalog.drug_id(name) is None:
            raise forms.ValidationError(MSG_UNKNOWN_DRUG.format(name=name))
        return name


class ConcomitantForm(StepForm):
    drug = DrugField(label="Drug", max_length=120)

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
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
                         use_required_attribute=False, context=self.context)
        self.add_fields(form, None)
        return form

    def rows(self) -> list[dict]:
        return [f.cleaned_data for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


TherapyFormSet = forms.formset_factory(TherapyForm, formset=RowsFormSet, extra=1, can_delete=True, max_num=30, validate_max=True)
ConcomitantFormSet = forms.formset_factory(ConcomitantForm, formset=RowsFormSet, extra=1, can_delete=True, max_num=30, validate_max=True)


class ScreeningForm(StepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for path, prompt in SCREENING_PROMPTS.items():
            if path in self.context.needs:
                self.fields[field_name(path)] = enum_field(path, prompt)


class QuestionsForm(StepForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in self.context.questions:
            self.fields[f"q__{question.code}"] = forms.ChoiceField(
                label=question.wording, choices=YES_NO, widget=forms.RadioSelect,
                error_messages={"required": MSG_ANSWER_REQUIRED},
            )


class DoseForm(StepForm):
    mg_per_kg = forms.DecimalField(label="Dose in mg/kg/day", required=False, min_value=Decimal("0.01"), max_value=50,
                                   max_digits=5, decimal_places=2, help_text="Optional: with the weight, it fills the daily dose.")
    mg_per_day = forms.DecimalField(label="Daily dose (mg/day)", min_value=Decimal("0.01"), max_value=2000, max_digits=7, decimal_places=2)
    days_supply = forms.IntegerField(label="Days supply", min_value=1, max_value=366, initial=28)
    channel = forms.ChoiceField(label="Dispensing channel", widget=forms.RadioSelect, initial="retail",
                                choices=[("retail", "Retail"), ("home_delivery", "Home delivery")])
    quantity = forms.IntegerField(label="Syringes requested for the days supply", min_value=1, max_value=5000, required=False,
                                  help_text="Blank: calculated from the dose (100 mg syringes, a new syringe for each dose).")
    max_dose_trial_months = forms.DecimalField(
        label="Months tried at the maximum labeled dose with an inadequate response", required=False, min_value=0,
        max_value=600, max_digits=5, decimal_places=1)
    higher_dose_support = forms.ChoiceField(
        label="Have you submitted support (clinical trials, phase III studies, guidelines) for a higher dose or shorter interval?",
        choices=YES_NO, widget=forms.RadioSelect, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        needs = self.context.needs
        if self.context.weight_kg is None:
            del self.fields["mg_per_kg"]
        if "dose.channel" not in needs:
            del self.fields["channel"]
        if "dose.max_dose_trial_months" not in needs:
            del self.fields["max_dose_trial_months"]
        if "dose.higher_dose_support_submitted" not in needs:
            del self.fields["higher_dose_support"]
        self.fields["mg_per_day"].required = "mg_per_kg" not in self.fields

    def clean(self):
        data = super().clean()
        per_kg, weight = data.get("mg_per_kg"), self.context.weight_kg
        if weight is None and "patient.weight_kg" in self.context.needs:
            raise forms.ValidationError(MSG_WEIGHT_REQUIRED)
        if data.get("mg_per_day") is None and per_kg is not None and weight is not None:
            data["mg_per_day"] = (per_kg * Decimal(str(weight))).quantize(Decimal("0.01"))
        if data.get("mg_per_day") is None and "mg_per_day" not in self.errors:
            self.add_error("mg_per_day", "Enter the daily dose, or the dose in mg/kg/day.")
        if data.get("mg_per_day") and data.get("days_supply") and not data.get("quantity"):
            data["quantity"] = syringes_per_day(float(data["mg_per_day"])) * data["days_supply"]
        return data


def syringes_per_day(mg_per_day: float) -> int:
    from kineret_pa.engine.vocabulary import syringes_per_day as per_day

    return per_day(mg_per_day, 100.0)


class ReviewForm(StepForm):
    attestation = forms.BooleanField(
        label="I attest that the information in this request is accurate and supported by the patient's medical record.",
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
