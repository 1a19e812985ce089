"""Each step of the form: it renders, refuses bad input in words without losing the rest,
and its buttons (Back, Save and exit, Add another row, Calculate quantity) keep what was typed."""

import pytest
from django.urls import reverse

from kineret_pa.pa_requests import forms as f
from kineret_pa.pa_requests.models import PARequest
from kineret_pa.pa_requests.views import MSG_STEP_NOT_NEEDED

from .walk import (
    SCENARIOS,
    checked_value,
    field_names,
    input_value,
    scenario,
    selected_value,
    step_fields,
    steps_shown,
    submit,
    text,
    walk_to,
)
from .wizard_support import next_step, post_step, rows, step_url


@pytest.mark.parametrize("name", ["cigna_approved", "fep_approved", "fb_approved", "fb_mis_c"])
def test_every_step_renders_for_each_policy(owner_client, draft, name):
    walk_to(owner_client, draft, SCENARIOS[name])

    shown = steps_shown(owner_client, draft)
    for step in shown:
        response = owner_client.get(step_url(draft, step))
        assert response.status_code == 200, step
        assert response.context["wizard"]["steps"].current == step
    assert shown[0] == "policy" and shown[-1] == "review"


def test_the_first_step_renders_before_anything_is_chosen(owner_client, draft):
    response = owner_client.get(step_url(draft, "policy"))

    assert response.status_code == 200
    assert {"policy-policy", "policy-plan", "policy-date_of_service"} <= field_names(response)


# ------------------------------------------------------------ invalid input, in words

REQUIRED = "This field is required."

INVALID = [
    # (scenario, step, changes, field with the message, message, a field whose answer must be kept)
    ("fep_approved", "policy", {"plan": ""}, "plan", f.MSG_PLAN_REQUIRED, "policy-date_of_service"),
    ("cigna_approved", "policy", {"plan": "standard"}, "plan", f.MSG_PLAN_NOT_USED, "policy-date_of_service"),
    (
        "cigna_approved",
        "policy",
        {"urgency": "expedited"},
        "expedited_attestation",
        f.MSG_EXPEDITED,
        "policy-date_of_service",
    ),
    (
        "cigna_approved",
        "policy",
        {"date_of_service": "2000-01-01"},
        "date_of_service",
        f.MSG_NO_VERSION,
        "policy-policy",
    ),
    ("cigna_approved", "policy", {"date_of_service": "abc"}, "date_of_service", "Enter a valid date.", "policy-policy"),
    ("cigna_approved", "policy", {"policy": ""}, "policy", REQUIRED, "policy-date_of_service"),
    ("cigna_approved", "policy", {"policy": "nope"}, "policy", "Select a valid choice.", "policy-date_of_service"),
    ("cigna_approved", "patient", {"weight": "0"}, "weight", f.MSG_WEIGHT_RANGE, "patient-member_id"),
    ("cigna_approved", "patient", {"weight": "900"}, "weight", f.MSG_WEIGHT_RANGE, "patient-member_id"),
    (
        "cigna_approved",
        "patient",
        {"weight": "2000", "weight_unit": "lb"},
        "weight",
        f.MSG_WEIGHT_RANGE,
        "patient-member_id",
    ),
    ("cigna_approved", "patient", {"weight": "-5"}, "weight", f.MSG_WEIGHT_RANGE, "patient-member_id"),
    ("cigna_approved", "patient", {"weight": "abc"}, "weight", "Enter a number.", "patient-member_id"),
    ("cigna_approved", "patient", {"weight": "NaN"}, "weight", "Enter a number.", "patient-member_id"),
    (
        "cigna_approved",
        "patient",
        {"weight": "1e400"},
        "weight",
        "Ensure that there are no more than 6 digits in total.",
        "patient-member_id",
    ),
    ("cigna_approved", "patient", {"age_years": "abc"}, "age_years", "Enter a whole number.", "patient-member_id"),
    ("cigna_approved", "patient", {"age_years": ""}, "date_of_birth", f.MSG_NEED_AGE, "patient-member_id"),
    (
        "cigna_approved",
        "patient",
        {"age_years": "", "date_of_birth": "3000-01-01"},
        "date_of_birth",
        f.MSG_FUTURE_DOB,
        "patient-member_id",
    ),
    (
        "cigna_approved",
        "patient",
        {"age_years": "", "date_of_birth": "0001-01-01"},
        "date_of_birth",
        f.MSG_OLD_DOB,
        "patient-member_id",
    ),
    ("cigna_approved", "patient", {"patient_name": ""}, "patient_name", REQUIRED, "patient-member_id"),
    ("cigna_approved", "patient", {"member_id": ""}, "member_id", REQUIRED, "patient-patient_name"),
    (
        "cigna_approved",
        "patient",
        {"patient_name": "x" * 5000},
        "patient_name",
        "Ensure this value has at most 120 characters (it has 5000).",
        "patient-member_id",
    ),
    (
        "cigna_approved",
        "patient",
        {"patient_name": "a\x00b"},
        "patient_name",
        "Null characters are not allowed.",
        "patient-member_id",
    ),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "xyzzy", "icd10": "M05.79"},
        "diagnosis",
        f.MSG_DIAGNOSIS_UNKNOWN.format(query="xyzzy"),
        "diagnosis-icd10",
    ),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "Стилл 李", "icd10": "M05.79"},
        "diagnosis",
        f.MSG_DIAGNOSIS_UNKNOWN.format(query="Стилл 李"),
        "diagnosis-icd10",
    ),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "Still", "icd10": "M05.79"},
        "diagnosis",
        f.MSG_DIAGNOSIS_AMBIGUOUS.format(
            query="Still", choices="Systemic juvenile idiopathic arthritis (sJIA), Adult-onset Still's disease (AOSD)"
        ),
        "diagnosis-icd10",
    ),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "caps", "icd10": "M05.79"},
        "diagnosis",
        "“caps” matches more than one diagnosis: choose one of Neonatal-onset",
        "diagnosis-icd10",
    ),
    ("cigna_approved", "diagnosis", {"diagnosis": "", "icd10": "M05.79"}, "diagnosis", REQUIRED, "diagnosis-icd10"),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "ra", "icd10": "zzz"},
        "icd10",
        "Enter an ICD-10-CM code such as M05.79.",
        "diagnosis-diagnosis",
    ),
    (
        "cigna_approved",
        "diagnosis",
        {"diagnosis": "D" * 201, "icd10": "M05.79"},
        "diagnosis",
        "Ensure this value has at most 200 characters (it has 201).",
        "diagnosis-icd10",
    ),
    ("fep_approved", "diagnosis", {"severity": ""}, "severity", f.MSG_SEVERITY_REQUIRED, "diagnosis-diagnosis"),
    ("cigna_approved", "screening", {"car_t_therapy": ""}, "car_t_therapy", f.MSG_ANSWER_REQUIRED, None),
    (
        "fep_approved",
        "screening",
        {"screening__tb": ""},
        "screening__tb",
        f.MSG_ANSWER_REQUIRED,
        "screening-screening__hbv",
    ),
    (
        "fb_mis_c",
        "questions",
        {"q__mis_c_hospitalized": ""},
        "q__mis_c_hospitalized",
        f.MSG_ANSWER_REQUIRED,
        "questions-q__mis_c_mas_features",
    ),
    ("cigna_approved", "dose", {"mg_per_day": "abc"}, "mg_per_day", "Enter a number.", "dose-quantity"),
    (
        "cigna_approved",
        "dose",
        {"mg_per_day": "", "mg_per_kg": ""},
        "mg_per_day",
        "Enter the daily dose, or the dose in mg/kg/day.",
        "dose-quantity",
    ),
    (
        "cigna_approved",
        "dose",
        {"days_supply": "0"},
        "days_supply",
        "Ensure this value is greater than or equal to 1.",
        "dose-mg_per_day",
    ),
    (
        "cigna_approved",
        "dose",
        {"quantity": "-1"},
        "quantity",
        "Ensure this value is greater than or equal to 1.",
        "dose-mg_per_day",
    ),
    (
        "cigna_approved",
        "dose",
        {"mg_per_day": "5000"},
        "mg_per_day",
        "Ensure this value is less than or equal to 2000.",
        "dose-quantity",
    ),
]


def _kept(response, answers, step, name):
    if name is None:
        return
    key = name[len(step) + 1 :]
    expected = answers[step][key]
    shown = checked_value(response, name)  # a radio button
    if shown is None:
        shown = selected_value(response, name)
    if shown is None:
        shown = input_value(response, name)
    assert shown == expected, (name, shown, expected)


@pytest.mark.parametrize(
    "name, step, changes, field, message, kept",
    INVALID,
    ids=[f"{c[1]}-{c[3]}-{str(list(c[2].values())[0])[:12]}" for c in INVALID],
)
def test_invalid_input_gives_a_message_in_words_and_keeps_the_other_answers(
    owner_client, draft, name, step, changes, field, message, kept
):
    answers = scenario(name, **{step: changes})
    walk_to(owner_client, draft, SCENARIOS[name], stop=step)

    response = post_step(owner_client, draft, step, step_fields(step, answers))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in text(response)
    _kept(response, answers, step, kept)
    draft.refresh_from_db()
    assert draft.wizard["step"] == step
    # Stored as typed, less NUL characters (PostgreSQL's JSON cannot hold them); of the answers posted, those
    # the step asks for this policy (the scenarios post every screening answer any policy asks).
    shown = response.context["form"].fields
    assert {
        key: value[0] for key, value in draft.wizard["step_data"][step].items() if key != "wizard-current_step"
    } == {
        f"{step}-{key}": value.replace("\x00", "") for key, value in step_fields(step, answers).items() if key in shown
    }


THERAPY_ROWS = [
    (
        {"drug": "Notadrug", "months": "6", "outcome": "inadequate_response"},
        "drug",
        f.MSG_UNKNOWN_DRUG.format(name="Notadrug"),
    ),
    (
        {"drug": "methotrexate", "months": "-1", "outcome": "inadequate_response"},
        "months",
        "Ensure this value is greater than or equal to 0.",
    ),
    ({"drug": "methotrexate", "months": "abc", "outcome": "inadequate_response"}, "months", "Enter a number."),
    ({"drug": "methotrexate", "months": "6", "outcome": ""}, "outcome", REQUIRED),
    ({"drug": "methotrexate", "months": "6", "outcome": "bogus"}, "outcome", "Select a valid choice."),
    ({"drug": "", "months": "6", "outcome": "intolerance"}, "drug", REQUIRED),
    (
        {"drug": "метотрексат ✓", "months": "6", "outcome": "intolerance"},
        "drug",
        f.MSG_UNKNOWN_DRUG.format(name="метотрексат ✓"),
    ),
    (
        {"drug": "m" * 121, "months": "6", "outcome": "intolerance"},
        "drug",
        "Ensure this value has at most 120 characters (it has 121).",
    ),
]


@pytest.mark.parametrize("row, field, message", THERAPY_ROWS, ids=[f"{r[1]}-{r[0][r[1]][:10]}" for r in THERAPY_ROWS])
def test_a_bad_therapy_row_gives_a_message_and_keeps_every_row(owner_client, draft, row, field, message):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="therapies")
    good = {"drug": "Humira", "months": "4", "outcome": "inadequate_response"}

    response = post_step(owner_client, draft, "therapies", rows("therapies", [good, row]))

    assert response.status_code == 200
    assert field in response.context["form"].errors[1]
    assert message in text(response)
    assert input_value(response, "therapies-0-drug") == "Humira"
    assert input_value(response, "therapies-0-months") == "4"
    assert input_value(response, "therapies-1-drug") == row["drug"]


def test_an_unknown_concomitant_drug_gives_a_message(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="concomitant")

    response = post_step(owner_client, draft, "concomitant", rows("concomitant", [{"drug": "Notadrug"}]))

    assert response.status_code == 200
    assert f.MSG_UNKNOWN_DRUG.format(name="Notadrug") in text(response)
    assert input_value(response, "concomitant-0-drug") == "Notadrug"


@pytest.mark.parametrize(
    "management, message",
    [
        ({"TOTAL_FORMS": "abc", "INITIAL_FORMS": "0"}, "ManagementForm data is missing or has been tampered with"),
        ({"TOTAL_FORMS": "31", "INITIAL_FORMS": "0"}, "Please submit at most 30 forms."),
        ({}, "ManagementForm data is missing or has been tampered with"),
    ],
)
def test_a_tampered_row_count_is_refused_in_words(owner_client, draft, management, message):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="therapies")

    response = post_step(owner_client, draft, "therapies", management)

    assert response.status_code == 200
    assert message in text(response)


def test_unicode_answers_are_kept_as_typed(owner_client, draft):
    answers = scenario("cigna_approved", patient={"patient_name": "Zoë Ağaoğlu 李小龍 — O’Brien", "member_id": "ÅB-12"})

    response = submit(owner_client, draft, answers)

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.patient_name, draft.member_id) == ("Zoë Ağaoğlu 李小龍 — O’Brien", "ÅB-12")
    assert "Zoë Ağaoğlu 李小龍 — O’Brien" in text(owner_client.get(response.url))


@pytest.mark.parametrize(
    "post",
    [
        {"wizard-current_step": "bogus"},
        {"wizard-current_step": "questions", "questions-q__x": "yes"},  # a step Cigna does not ask
        {"wizard-current_step": "patient", "wizard_goto_step": "bogus", "patient-patient_name": "Kept"},
    ],
    ids=["unknown-step", "hidden-step", "unknown-goto"],
)
def test_a_tampered_step_never_fails(owner_client, draft, post):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="diagnosis")

    response = owner_client.post(step_url(draft, "patient"), post)

    assert response.status_code in (200, 302)
    assert owner_client.get(step_url(draft, "patient")).status_code == 200


def test_a_post_without_the_management_form_is_a_bad_request(owner_client, draft):
    assert owner_client.post(step_url(draft, "policy"), {}).status_code == 400


def test_an_unknown_step_in_the_address_goes_to_the_first_step(owner_client, draft):
    response = owner_client.get(step_url(draft, "bogus"))

    assert response.status_code == 302 and response.url == step_url(draft, "policy")


# ------------------------------------------------------------ the buttons keep what was typed


def test_back_keeps_what_was_typed_in_the_current_step_even_if_invalid(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="patient")
    typed = {**SCENARIOS["cigna_approved"]["patient"], "weight": "0", "member_id": "M-typed"}

    response = post_step(owner_client, draft, "patient", typed, button={"wizard_goto_step": "policy"})

    assert response.status_code == 302 and response.url == step_url(draft, "policy")
    again = owner_client.get(step_url(draft, "patient"))
    assert input_value(again, "patient-weight") == "0"
    assert input_value(again, "patient-member_id") == "M-typed"
    assert f.MSG_WEIGHT_RANGE in text(again)  # shown again, still to be corrected


def test_back_from_a_formset_step_keeps_its_rows(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="therapies")
    typed = rows("therapies", [{"drug": "Notadrug", "months": "-1", "outcome": ""}])

    post_step(owner_client, draft, "therapies", typed, button={"wizard_goto_step": "diagnosis"})

    again = owner_client.get(step_url(draft, "therapies"))
    assert input_value(again, "therapies-0-drug") == "Notadrug"
    assert input_value(again, "therapies-0-months") == "-1"


def test_save_and_exit_keeps_what_was_typed(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="diagnosis")

    response = post_step(
        owner_client,
        draft,
        "diagnosis",
        {"diagnosis": "Still", "icd10": "M06.1"},
        button={"wizard_save_exit": "1"},
        follow=True,
    )

    assert response.redirect_chain[0] == (reverse("pa-request-list"), 302)
    assert "Draft saved. You can resume it from My requests." in text(response)
    resumed = owner_client.get(reverse("pa-request-detail", args=[draft.pk]), follow=True)
    assert resumed.redirect_chain[-1][0] == step_url(draft, "diagnosis")
    assert input_value(resumed, "diagnosis-diagnosis") == "Still"
    assert input_value(resumed, "diagnosis-icd10") == "M06.1"


def test_add_another_row_adds_a_row_and_keeps_the_others(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="therapies")
    typed = rows(
        "therapies", [{"drug": "methotrexate", "months": "6", "outcome": "inadequate_response"}]
    )  # row 0 + a blank row

    response = post_step(owner_client, draft, "therapies", typed, button={"wizard_add_row": "1"})

    assert response.status_code == 200
    assert input_value(response, "therapies-TOTAL_FORMS") == "3"
    assert {"therapies-1-drug", "therapies-2-drug"} <= field_names(response)
    assert input_value(response, "therapies-0-drug") == "methotrexate"
    assert selected_value(response, "therapies-0-outcome") == "inadequate_response"
    assert response.context["form"].errors == [] or not any(response.context["form"].errors)  # not validated yet
    draft.refresh_from_db()
    assert draft.wizard["step_data"]["therapies"]["therapies-TOTAL_FORMS"] == ["3"]


@pytest.mark.parametrize("total, shown", [("30", "30"), ("abc", "2")])
def test_add_another_row_stops_at_the_limit_and_survives_a_bad_count(owner_client, draft, total, shown):
    walk_to(owner_client, draft, SCENARIOS["fep_approved"], stop="concomitant")

    response = post_step(
        owner_client, draft, "concomitant", {"TOTAL_FORMS": total, "INITIAL_FORMS": "0"}, button={"wizard_add_row": "1"}
    )

    assert response.status_code == 200
    assert input_value(response, "concomitant-TOTAL_FORMS") == shown


def test_calculate_fills_the_daily_dose_from_mg_per_kg_and_the_quantity(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="dose")  # weight 70 kg
    typed = {"mg_per_kg": "2", "mg_per_day": "", "days_supply": "28", "channel": "retail", "quantity": ""}

    response = post_step(owner_client, draft, "dose", typed, button={"wizard_calculate": "1"})

    assert response.status_code == 200
    assert input_value(response, "dose-mg_per_day") == "140.00"  # 2 mg/kg × 70 kg
    assert input_value(response, "dose-quantity") == "56"  # 140 mg needs 2 syringes a day × 28 days
    draft.refresh_from_db()
    assert draft.wizard["step_data"]["dose"]["dose-quantity"] == ["56"]


def test_calculate_from_a_daily_dose(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="dose")
    typed = {"mg_per_kg": "", "mg_per_day": "100", "days_supply": "30", "channel": "retail", "quantity": ""}

    response = post_step(owner_client, draft, "dose", typed, button={"wizard_calculate": "1"})

    assert input_value(response, "dose-quantity") == "30"


def test_calculate_with_bad_input_shows_the_messages_and_keeps_it(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="dose")
    typed = {"mg_per_kg": "abc", "mg_per_day": "", "days_supply": "28", "channel": "retail", "quantity": "7"}

    response = post_step(owner_client, draft, "dose", typed, button={"wizard_calculate": "1"})

    assert response.status_code == 200
    assert "Enter a number." in text(response)
    assert input_value(response, "dose-mg_per_kg") == "abc"
    assert input_value(response, "dose-quantity") == "7"


def test_the_dose_step_lists_the_policys_limits_and_the_weight(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"], stop="dose")

    page = text(owner_client.get(step_url(draft, "dose")))

    assert "Patient weight: 70.0 kg" in page
    assert "This policy's limits:" in page


# ------------------------------------------------------------ changing answers


def test_changing_the_diagnosis_keeps_the_answers_that_still_apply(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fb_approved"])
    assert "therapies" in steps_shown(owner_client, draft)

    response = post_step(owner_client, draft, "diagnosis", {"diagnosis": "mis_c", "severity": "severe"})

    # The policy's steps stay (the counter with them); no prior-therapy criteria for MIS-C, and the step says so.
    assert next_step(response) == "therapies"
    shown = steps_shown(owner_client, draft)
    assert "therapies" in shown and "questions" in shown
    therapies = text(owner_client.get(step_url(draft, "therapies")))
    mis_c = "Multisystem inflammatory syndrome in children (MIS-C) associated with SARS-CoV-2"
    assert MSG_STEP_NOT_NEEDED.format(diagnosis=mis_c) in therapies
    concomitant = owner_client.get(step_url(draft, "concomitant"))
    assert input_value(concomitant, "concomitant-0-drug") == "methotrexate"
    screening = owner_client.get(step_url(draft, "screening"))
    assert checked_value(screening, "screening-site_of_care") == "self"
    assert checked_value(screening, "screening-prescriber__is_specialist") == "yes"
    dose = owner_client.get(step_url(draft, "dose"))
    assert input_value(dose, "dose-mg_per_day") == "100"
    patient = owner_client.get(step_url(draft, "patient"))
    assert input_value(patient, "patient-member_id") == "MBR-1001"


def test_changing_back_to_the_first_diagnosis_restores_its_rows(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fb_approved"])
    post_step(owner_client, draft, "diagnosis", {"diagnosis": "mis_c", "severity": "severe"})

    post_step(owner_client, draft, "diagnosis", {"diagnosis": "ra", "severity": "severe"})

    therapies = owner_client.get(step_url(draft, "therapies"))
    assert [input_value(therapies, f"therapies-{i}-drug") for i in range(4)] == [
        "methotrexate",
        "Humira",
        "Enbrel",
        "Rinvoq",
    ]


def test_a_hidden_step_left_open_goes_on_to_the_next_shown_step(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["fb_approved"], stop="therapies")
    post_step(owner_client, draft, "policy", step_fields("policy", SCENARIOS["cigna_approved"]))

    response = owner_client.get(step_url(draft, "therapies"))

    # Cigna asks no prior therapies and no concomitant drugs: its next step is the screening.
    assert response.status_code == 302 and response.url == step_url(draft, "screening")


def test_weight_in_pounds_is_converted_to_kilograms_in_the_contract_request(owner_client, draft):
    answers = scenario("cigna_approved", patient={"weight": "154", "weight_unit": "lb"})

    submit(owner_client, draft, answers)

    draft.refresh_from_db()
    assert draft.contract_request["patient"]["weight_kg"] == 69.85
    assert draft.answers["patient"]["patient-weight_unit"] == ["lb"]  # the prescriber's own words kept too


def test_the_review_step_shows_the_answers_and_marks_a_step_needing_attention(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"])
    post_step(
        owner_client,
        draft,
        "patient",
        {**SCENARIOS["cigna_approved"]["patient"], "weight": "0"},
        button={"wizard_save_exit": "1"},
    )

    page = text(owner_client.get(step_url(draft, "review")))

    assert "Zoë Ağaoğlu" in page and "MBR-1001" in page
    assert "This step needs attention." in page


def test_submitting_with_a_step_needing_attention_goes_back_to_it(owner_client, draft):
    walk_to(owner_client, draft, SCENARIOS["cigna_approved"])
    post_step(
        owner_client,
        draft,
        "patient",
        {**SCENARIOS["cigna_approved"]["patient"], "weight": "0"},
        button={"wizard_save_exit": "1"},
    )

    response = post_step(owner_client, draft, "review", {"attestation": "on"}, follow=True)

    assert response.status_code == 200
    assert f.MSG_WEIGHT_RANGE in text(response)
    assert PARequest.objects.get(pk=draft.pk).is_draft
