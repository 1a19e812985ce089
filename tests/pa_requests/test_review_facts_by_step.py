"""The reviewer reads a request's facts under the titles of the prescriber's form steps, in the form's order
(issue 16). The titles and the facts under each are written here as the form shows them to a prescriber."""

from __future__ import annotations

from kineret_pa.engine.facts import CONTRACT_FIELDS, FACTS
from kineret_pa.pa_requests.presentation import MSG_NOTHING_STATED, OTHER, STEPS_STATING, facts_by_step
from tests.conftest import CIGNA, FB_RA, FEP_RA, FORM_STEP_TITLES, build


def _groups(data: dict) -> dict[str, dict[str, str]]:
    return {group.title: dict(group.rows) for group in facts_by_step(data)}


def test_the_facts_come_under_the_form_steps_in_the_forms_order():
    assert list(_groups(FEP_RA)) == FORM_STEP_TITLES


def test_each_fact_comes_under_the_step_that_asks_it():
    groups = _groups(FEP_RA)

    assert groups["Payer and policy"] == {
        "Policy": "fep-5.70.050",
        "Date of service": "2026-06-15",
        "Plan option": "standard",  # without the catalog's words: the plan's code
        "Benefit": "pharmacy benefit",
        "Request type": "initial request",
    }
    assert groups["Patient"] == {"Age": "45 years", "Weight": "70 kg"}
    assert groups["Diagnosis"] == {"Diagnosis": "ra", "Disease activity": "moderate"}
    assert groups["Prior therapies"] == {
        "Prior therapies": "methotrexate, 6 months, inadequate response; Humira, 4 months, inadequate response; "
        "Enbrel, 5 months, intolerance or hypersensitivity"
    }
    assert groups["Concomitant drugs"] == {"Concomitant drugs": "folic acid"}
    assert groups["Screening and safety"]["Latent TB result"] == "negative"
    assert groups["Screening and safety"]["Prescriber is a specialist in the diagnosis"] == "yes"
    assert groups["Screening and safety"]["Site of care"] == "self- or caregiver-administered"
    assert groups["Dose and quantity"] == {
        "Dose": "100 mg/day",
        "Days supply": "28 days",
        "Dispensing channel": "retail",
        "Quantity": "28 syringes",
    }


def test_the_answers_to_the_indication_questions_come_under_their_step():
    data = build(FB_RA, **{"answers.mis_c_hospitalized": True})

    assert _groups(data)["Indication questions"] == {"Answers to the indication questions: mis_c_hospitalized": "yes"}


def test_a_step_the_request_states_nothing_of_is_listed_empty():
    groups = facts_by_step(CIGNA)  # no prior therapies, drugs, questions or severity: Cigna's limits only

    assert [group.title for group in groups] == FORM_STEP_TITLES
    assert {group.title for group in groups if not group.rows} == {
        "Prior therapies",
        "Concomitant drugs",
        "Indication questions",
    }
    assert MSG_NOTHING_STATED == "Nothing stated."


def test_what_no_step_states_comes_last_under_other():
    data = build(FEP_RA, version="2025-04-01", extra_key="sent anyway")

    groups = facts_by_step(data)

    assert groups[-1].title == OTHER == "Other"
    assert dict(groups[-1].rows) == {"Policy version": "2025-04-01", "extra_key": "sent anyway"}


def test_other_is_not_shown_when_every_fact_has_a_step():
    assert OTHER not in _groups(FEP_RA)


def test_every_fact_and_structured_field_has_exactly_one_step():
    # The one part of the contract no step of the form states: a version named to try a draft (API and CLI only).
    not_in_the_form = {"version"}
    for key in (*CONTRACT_FIELDS, *FACTS):
        steps = [title for title, states in STEPS_STATING if key in states]
        assert len(steps) == (0 if key in not_in_the_form else 1), (key, steps)
