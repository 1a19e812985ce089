"""What the benchmarks send: contract requests for the API and answers for walks through the form.

Pure data (no Django import), shared by bench/seed.py, bench/queries.py and bench/locustfile.py.
The requests are the contract examples of tests/conftest.py with a few variations, so every
decision (approve, partial, deny → pended, refer) occurs.
"""

from __future__ import annotations

import copy

DATE = "2026-06-15"  # every policy's current version is in force on this date
CIGNA, FEP, FB = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"
POLICIES = [CIGNA, FEP, FB]

SCREENING = {
    "tb": "negative",
    "hbv": "not_at_risk",
    "active_infection": False,
    "live_vaccine": False,
    "anakinra_contraindication": False,
}

FEP_RA = {
    "policy": FEP,
    "plan": "standard",
    "benefit": "pharmacy",
    "request_type": "initial",
    "date_of_service": DATE,
    "patient": {"age_years": 45, "weight_kg": 70.0},
    "diagnosis": "ra",
    "severity": "moderate",
    "prescriber": {"is_specialist": True, "consulted_specialist": False},
    "prior_therapies": [
        {"drug": "methotrexate", "months": 6, "outcome": "inadequate_response"},
        {"drug": "Humira", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Enbrel", "months": 5, "outcome": "intolerance"},
    ],
    "concomitant_drugs": ["folic acid"],
    "screening": SCREENING,
    "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
    "site_of_care": "self",
    "renewal": {"previously_approved": False, "clinical_benefit": None},
}
FB_RA = {
    "policy": FB,
    "benefit": "pharmacy",
    "request_type": "initial",
    "date_of_service": DATE,
    "patient": {"age_years": 52, "weight_kg": 80.0},
    "diagnosis": "ra",
    "severity": "severe",
    "prescriber": {"is_specialist": True, "consulted_specialist": False},
    "prior_therapies": [
        {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Humira", "months": 6, "outcome": "inadequate_response"},
        {"drug": "Enbrel", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Rinvoq", "months": 3, "outcome": "inadequate_response"},
    ],
    "concomitant_drugs": ["methotrexate"],
    "screening": SCREENING,
    "dose": {
        "mg_per_day": 100,
        "quantity": 28,
        "days_supply": 28,
        "channel": "retail",
        "max_dose_trial_months": 0,
        "higher_dose_support_submitted": False,
    },
    "site_of_care": "self",
    "anakinra_history": {"within_90_days": "none", "at_risk_if_changed": False},
    "renewal": {"previously_approved": False, "clinical_benefit": None},
    "age_support_provided": False,
    "preferred_not_appropriate_with_list": False,
}
CIGNA_RA = {
    "policy": CIGNA,
    "date_of_service": DATE,
    "patient": {"age_years": 40, "weight_kg": 70.0},
    "diagnosis": "ra",
    "dose": {"mg_per_day": 100, "quantity": 28, "days_supply": 28, "channel": "retail"},
    "car_t_therapy": False,
}


def _changed(base: dict, **changes) -> dict:
    data = copy.deepcopy(base)
    for path, value in changes.items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


# A mix across the three policies and the four decisions.
API_REQUESTS = [
    CIGNA_RA,
    _changed(CIGNA_RA, **{"dose.quantity": 56}),
    _changed(CIGNA_RA, diagnosis="nomid", **{"patient.age_years": 9, "patient.weight_kg": 30.0}),
    FEP_RA,
    _changed(FEP_RA, prior_therapies=[]),
    _changed(FEP_RA, **{"dose.quantity": 56}),
    FB_RA,
    _changed(FB_RA, diagnosis="other"),
    _changed(FB_RA, prior_therapies=[{"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"}]),
]

# ------------------------------------------------------------------ the form, as a browser posts it
# (the answers of tests/pa_requests/walk.py: one walk per policy)

SCREENING_ANSWERS = {
    "screening__tb": "negative",
    "screening__hbv": "not_at_risk",
    "screening__active_infection": "no",
    "screening__live_vaccine": "no",
    "screening__anakinra_contraindication": "no",
    "prescriber__is_specialist": "yes",
    "prescriber__consulted_specialist": "no",
    "site_of_care": "self",
    "anakinra_history__within_90_days": "none",
    "anakinra_history__at_risk_if_changed": "no",
    "renewal__previously_approved": "no",
    "renewal__clinical_benefit": "yes",
    "car_t_therapy": "no",
    "age_support_provided": "no",
    "preferred_not_appropriate_with_list": "no",
}
PLAN_FOR = {CIGNA: "", FEP: "standard", FB: ""}
PATIENT = {
    "patient_name": "Zoë Ağaoğlu",
    "date_of_birth": "",
    "age_years": "45",
    "member_id": "MBR-1001",
    "weight": "70",
    "weight_unit": "kg",
}
DOSE = {
    "mg_per_kg": "",
    "mg_per_day": "100",
    "days_supply": "28",
    "channel": "retail",
    "quantity": "28",
    "max_dose_trial_months": "0",
    "higher_dose_support_submitted": "no",
}


def _policy(code: str) -> dict:
    return {
        "policy": code,
        "plan": PLAN_FOR[code],
        "benefit": "pharmacy",
        "request_type": "initial",
        "urgency": "standard",
        "date_of_service": DATE,
    }


WALKS = {
    "cigna": {
        "policy": _policy(CIGNA),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "Rheumatoid arthritis [ra]"},
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
    "fep": {
        "policy": _policy(FEP),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "ra", "severity": "moderate"},
        "therapies": [
            {"drug": "methotrexate", "months": "6", "outcome": "inadequate_response"},
            {"drug": "Humira", "months": "4", "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": "5", "outcome": "intolerance"},
        ],
        "concomitant": [{"drug": "folic acid"}],
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
    "fb": {
        "policy": _policy(FB),
        "patient": {**PATIENT, "age_years": "52", "weight": "80"},
        "diagnosis": {"diagnosis": "ra", "severity": "severe"},
        "therapies": [
            {"drug": "methotrexate", "months": "4", "outcome": "inadequate_response"},
            {"drug": "Humira", "months": "6", "outcome": "inadequate_response"},
            {"drug": "Enbrel", "months": "4", "outcome": "inadequate_response"},
            {"drug": "Rinvoq", "months": "3", "outcome": "inadequate_response"},
        ],
        "concomitant": [{"drug": "methotrexate"}],
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
}
FORMSET_STEPS = ("therapies", "concomitant")


def step_post(step: str, walk: dict) -> dict[str, str]:
    """The fields a browser posts for one step (prefixed names, management form for formsets)."""
    given = walk.get(step)
    if step in FORMSET_STEPS:
        items = given or []
        fields = {
            "TOTAL_FORMS": str(len(items) + 1),
            "INITIAL_FORMS": "0",
            "MIN_NUM_FORMS": "0",
            "MAX_NUM_FORMS": "1000",
        }
        for i, item in enumerate(items):
            for key, value in item.items():
                fields[f"{i}-{key}"] = value
    elif step == "review":
        fields = {"attestation": "on"}
    else:
        fields = dict(given or {})
    data = {"wizard-current_step": step}
    data.update({f"{step}-{key}": value for key, value in fields.items()})
    return data


BENCH_PASSWORD = "bench-Pa55word-not-for-production"
