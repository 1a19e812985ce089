"""Answers for whole walks through the form, and helpers to read what a step page says."""

from __future__ import annotations

import copy
import html
import re

from tests.conftest import DATE

from .wizard_support import next_step, post_step, rows

FORMSET_STEPS = ("therapies", "concomitant")
ALL_STEPS = ["policy", "patient", "diagnosis", "therapies", "concomitant", "screening", "questions", "dose", "review"]

CIGNA, FEP, FB = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"
POLICIES = [CIGNA, FEP, FB]
PLAN_FOR = {CIGNA: "", FEP: "standard", FB: ""}

MIS_C_WORDINGS = [
    "Member has been previously infected with SARS-CoV-2",
    "Member's symptoms are severe enough that hospitalization is required",
    "Member is refractory to IVIG AND glucocorticoids",
    "Member has contraindications to long-term use of glucocorticoids",
    "Member has features of macrophage activation syndrome (MAS)",
]

MIS_C_CODES = [
    "mis_c_prior_sars_cov_2",
    "mis_c_hospitalized",
    "mis_c_refractory_ivig_steroids",
    "mis_c_steroid_contraindication",
    "mis_c_mas_features",
]

# An answer for every question the screening step may ask; a step ignores those it does not show.
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


def policy_answers(policy: str, **changes) -> dict:
    fields = {
        "policy": policy,
        "plan": PLAN_FOR[policy],
        "benefit": "pharmacy",
        "request_type": "initial",
        "urgency": "standard",
        "date_of_service": DATE,
    }
    fields.update(changes)
    return fields


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

SCENARIOS = {
    "cigna_approved": {
        "policy": policy_answers(CIGNA),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "Rheumatoid arthritis [ra]"},
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
    "cigna_partial": {
        "policy": policy_answers(CIGNA),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "ra"},
        "screening": SCREENING_ANSWERS,
        # 100 mg a day for 28 days comes to 28 syringes: 56 is asked about, and confirmed.
        "dose": {**DOSE, "quantity": "56", "quantity_confirmed": "56"},
    },
    "fep_approved": {
        "policy": policy_answers(FEP),
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
    "fep_pended": {  # no prior therapies: the RA criteria are not met, so a pharmacist reviews it
        "policy": policy_answers(FEP),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "ra", "severity": "moderate"},
        "therapies": [],
        "concomitant": [],
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
    "fb_approved": {
        "policy": policy_answers(FB),
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
    "fb_referred": {  # an indication whose status the policy leaves to a pharmacist to verify
        "policy": policy_answers(FB),
        "patient": PATIENT,
        "diagnosis": {"diagnosis": "Other indication [other]", "severity": "moderate"},
        "therapies": [],
        "concomitant": [],
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
    },
    "fb_mis_c": {
        "policy": policy_answers(FB),
        "patient": {**PATIENT, "age_years": "9", "weight": "30"},
        "diagnosis": {"diagnosis": "mis_c", "severity": "severe"},
        "therapies": [],
        "concomitant": [],
        "screening": SCREENING_ANSWERS,
        "dose": DOSE,
        "questions": {f"q__{code}": "yes" for code in MIS_C_CODES},
    },
}


def scenario(name: str, **step_changes) -> dict:
    """A copy of a scenario; step_changes={"dose": {"quantity": "56"}} merges into a step's answers."""
    answers = copy.deepcopy(SCENARIOS[name])
    for step, changes in step_changes.items():
        if isinstance(changes, list):
            answers[step] = changes
        else:
            answers[step] = {**answers.get(step, {}), **changes}
    return answers


def step_fields(step: str, answers: dict) -> dict:
    given = answers.get(step)
    if step in FORMSET_STEPS:
        return rows(step, given or [])
    if step == "questions" and given is None:
        return {}
    return dict(given or {})


def errors_of(response) -> object:
    form = response.context["form"] if response.context and "form" in response.context else None
    if form is None:
        return None
    return form.errors, getattr(form, "non_form_errors", lambda: None)()


def walk_to(client, pa, answers: dict, stop: str = "review") -> list[str]:
    """Post every step from the policy on, until `stop` is the next step; the steps visited."""
    step, visited = "policy", []
    while step != stop:
        response = post_step(client, pa, step, step_fields(step, answers))
        following = next_step(response)
        assert following, f"step {step} did not validate: {errors_of(response)}"
        visited.append(step)
        step = following
    return visited


def submit(client, pa, answers: dict):
    """Walk every step, post the review step, then open the finished URL it redirects to
    (as a browser does); the response to that GET: a redirect to the determination."""
    walk_to(client, pa, answers)
    response = post_step(client, pa, "review", {"attestation": "on"})
    assert response.status_code == 302 and response.url.endswith("/edit/finished/"), errors_of(response)
    return client.get(response.url)


def text(response) -> str:
    """The page as a reader sees it: entities unescaped, tags and runs of spaces collapsed."""
    body = html.unescape(response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def field_names(response) -> set[str]:
    return set(re.findall(r'name="([^"]+)"', response.content.decode()))


def input_value(response, name: str) -> str | None:
    """The value an <input> shows (first match), unescaped."""
    page = response.content.decode()
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag:
            match = re.search(r'value="([^"]*)"', tag)
            return html.unescape(match.group(1)) if match else ""
    return None


def checked_value(response, name: str) -> str | None:
    page = response.content.decode()
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and "checked" in tag:
            return html.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    return None


def selected_value(response, name: str) -> str | None:
    page = response.content.decode()
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', page, re.S)
    if not match:
        return None
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', match.group(1))
    return html.unescape(chosen.group(1)) if chosen else ""


def steps_shown(client, pa) -> list[str]:
    """The steps the form lists in its navigation for the draft as it is."""
    response = client.get(f"/requests/{pa.pk}/edit/review/")
    if response.status_code == 302:
        response = client.get(response.url)
    titles = re.findall(r"<li>.*?\d+\. ([^<]+)<", response.content.decode())
    from kineret_pa.pa_requests.views import TITLES

    by_title = {title: name for name, title in TITLES.items()}
    return [by_title[html.unescape(t).strip()] for t in titles]
