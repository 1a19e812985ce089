"""The required marker (the asterisk, with `required`) is on exactly the fields the server refuses blank: those
required by the field itself and those a rule makes required (the plan for a policy with plans, the disease
activity where the criteria read it, the date of birth unless the age is given, the daily dose unless the dose
per kg is given, the statement for an expedited request)."""

from __future__ import annotations

import re

import pytest

from kineret_pa.pa_requests import forms as f

from .walk import FEP, SCENARIOS, field_names, input_value, step_fields, text, walk_to
from .wizard_support import next_step, post_step, step_url

STAR = '<span class="asteriskField">*</span>'
FORMSET_STEPS = ("therapies", "concomitant")
# A row is started by an answer to a field that is not marked: then the fields marked in it are refused blank.
ROW_STARTED_BY = {"therapies": {"0-months": "3"}}


def marked_required(response, step: str) -> set[str]:
    """The step's fields whose label or legend shows the required marker, by name less the step's prefix
    (a formset row's as "0-drug")."""
    page = response.content.decode()
    form = page[page.index('id="wizard-form"') :]
    marked = set()
    for block in form.split('<div id="div_id_')[1:]:
        name = block[: block.index('"')]
        label = re.search(r"<(label|legend)\b[^>]*>.*?</\1>", block, re.S)
        if label and STAR in label.group(0):
            marked.add(name.removeprefix(f"{step}-"))
    return marked


def refused(response) -> set[str]:
    """The fields the step was refused on (none when it was accepted)."""
    if response.status_code == 302:
        return set()
    form = response.context["form"]
    if isinstance(form.errors, list):  # a formset: one dict per row
        return {f"{i}-{name}" for i, row in enumerate(form.errors) for name in row}
    return set(form.errors) - {"__all__"}


def blank(response, step: str) -> dict[str, str]:
    """Every field of the step as the page shows it, posted blank (a formset keeps its management form)."""
    fields = {}
    for name in field_names(response):
        if not name.startswith(f"{step}-"):
            continue
        key = name.removeprefix(f"{step}-")
        fields[key] = input_value(response, name) if key.endswith("_FORMS") else ""
    return fields


def has_required_attribute(response, name: str) -> bool:
    page = response.content.decode()
    tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{re.escape(name)}"[^>]*>', page)
    return tag is not None and re.search(r"\srequired(?=[\s>])", tag.group(0)) is not None


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_a_step_posted_blank_is_refused_on_exactly_the_fields_marked_required(owner_client, draft, name):
    answers = SCENARIOS[name]
    step = "policy"
    while True:
        page = owner_client.get(step_url(draft, step))
        marked = marked_required(page, step)

        response = post_step(owner_client, draft, step, blank(page, step))

        if step in FORMSET_STEPS:
            assert refused(response) == set(), step  # a blank row is no row
            assert marked == {"therapies": {"0-drug", "0-outcome"}, "concomitant": {"0-drug"}}[step]
            if step in ROW_STARTED_BY:
                started = post_step(owner_client, draft, step, {**blank(page, step), **ROW_STARTED_BY[step]})
                assert refused(started) == marked, step
                assert marked_required(started, step) == marked, step
        else:
            assert refused(response) == marked, step
        if step == "review":
            break
        response = post_step(owner_client, draft, step, step_fields(step, answers))
        step = next_step(response)
        assert step, response.context["form"].errors


# ------------------------------------------------------------ the sets, checked by hand

POLICY_FIELDS = {"policy", "benefit", "request_type", "urgency", "date_of_service"}


@pytest.mark.parametrize(
    "name, step, typed, expected",
    [
        # A new request: nothing chosen, so no plan yet.
        ("fep_approved", "policy", {}, POLICY_FIELDS),
        # FEP chosen: its criteria differ by plan.
        ("fep_approved", "policy", {"policy": FEP}, POLICY_FIELDS | {"plan"}),
        ("cigna_approved", "policy", {"policy": "cigna-dqm008"}, POLICY_FIELDS),
        ("cigna_approved", "policy", {"urgency": "expedited"}, POLICY_FIELDS | {"expedited_attestation"}),
        # The date of birth, or the age when the date is not at hand; the weight and its unit are optional.
        ("fep_approved", "patient", {}, {"patient_name", "date_of_birth", "member_id"}),
        ("fep_approved", "patient", {"age_years": "45"}, {"patient_name", "member_id"}),
        # FEP reads the disease activity for rheumatoid arthritis only.
        ("fep_approved", "diagnosis", {}, {"diagnosis"}),
        ("fep_approved", "diagnosis", {"diagnosis": "Rheumatoid arthritis [ra]"}, {"diagnosis", "severity"}),
        ("fep_approved", "diagnosis", {"diagnosis": "NOMID"}, {"diagnosis"}),
        ("cigna_approved", "diagnosis", {"diagnosis": "ra"}, {"diagnosis"}),
        # Cigna: the daily dose (or the dose per kg, with the weight given), the days supply and the channel.
        ("cigna_approved", "dose", {}, {"mg_per_day", "days_supply", "channel"}),
        ("cigna_approved", "dose", {"mg_per_kg": "2"}, {"days_supply", "channel"}),
        ("fep_approved", "dose", {}, {"mg_per_day", "days_supply"}),
        ("cigna_approved", "review", {}, {"attestation"}),
    ],
)
def test_the_fields_marked_required_on_a_step(owner_client, draft, name, step, typed, expected):
    walk_to(owner_client, draft, SCENARIOS[name], stop=step)
    if typed:  # kept as typed (Save and exit), so the step is shown with them
        post_step(owner_client, draft, step, typed, button={"wizard_save_exit": "1"})

    page = owner_client.get(step_url(draft, step))

    assert marked_required(page, step) == expected
    for field in expected:
        assert has_required_attribute(page, f"{step}-{field}"), field


def test_radio_buttons_marked_required_carry_required_on_each_button(owner_client, draft):
    page = owner_client.get(step_url(draft, "policy"))

    buttons = re.findall(r'<input type="radio"[^>]*name="policy-urgency"[^>]*>', page.content.decode())
    assert len(buttons) == 2 and all(" required" in button for button in buttons)


def test_the_plan_left_blank_under_fep_is_refused_once_in_the_policys_words(owner_client, draft):
    fields = {**step_fields("policy", SCENARIOS["fep_approved"]), "plan": ""}

    response = post_step(owner_client, draft, "policy", fields)

    assert response.context["form"].errors["plan"] == ["Choose the plan option: this policy's criteria differ by plan."]
    assert response.context["form"].errors["plan"] == [f.MSG_PLAN_REQUIRED]
    assert "plan" in marked_required(response, "policy")


def test_disease_activity_left_blank_for_ra_under_fep_is_refused_in_words(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="diagnosis")

    response = post_step(owner_client, draft, "diagnosis", {"diagnosis": "Rheumatoid arthritis [ra]", "severity": ""})

    assert response.context["form"].errors["severity"] == ["This policy asks how active the disease is."]
    assert marked_required(response, "diagnosis") == {"diagnosis", "severity"}


def test_the_date_of_birth_or_the_age_is_refused_on_the_date_of_birth(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="patient")
    fields = {**step_fields("patient", SCENARIOS["fep_approved"]), "date_of_birth": "", "age_years": ""}

    response = post_step(owner_client, draft, "patient", fields)

    assert response.context["form"].errors == {
        "date_of_birth": ["Give the date of birth, or the age when the date is not at hand."]
    }


def test_the_page_names_the_diagnoses_that_need_the_disease_activity_for_its_script(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="diagnosis")

    page = owner_client.get(step_url(draft, "diagnosis")).content.decode()

    # FEP 5.70.050 asks the disease activity for rheumatoid arthritis ("moderately to severely active RA") alone.
    assert 'data-severity-needed-for="ra"' in page
    assert 'data-required-when="policy-policy"' not in page  # the policy step's rule, not this step's


def test_the_plan_says_to_the_script_which_policies_need_it(owner_client, draft):
    page = owner_client.get(step_url(draft, "policy"))

    plan = re.search(r'<select name="policy-plan"[^>]*>', page.content.decode()).group(0)
    assert 'data-required-when="policy-policy"' in plan
    assert 'data-required-values="fep-5.70.050"' in plan  # FEP is the one seed policy with plans
    assert "Plan option" in text(page)
