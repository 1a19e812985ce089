"""Which steps and questions the form shows comes from the chosen policy's criteria and limits:
edit the policy data and the form follows, with no code change."""

import pytest

from kineret_pa.pa_requests.views import MSG_STEP_NOT_NEEDED
from kineret_pa.policies.models import CriterionNode, PolicyVersion, Question

from .walk import CIGNA, FB, FEP, MIS_C_WORDINGS, SCENARIOS, field_names, scenario, step_fields, steps_shown, text
from .wizard_support import next_step, post_step, step_url


def answer_first_steps(client, pa, answers) -> str:
    """Post the policy, patient and diagnosis steps; the step that follows."""
    for step in ("policy", "patient", "diagnosis"):
        response = post_step(client, pa, step, step_fields(step, answers))
        assert next_step(response), response.context["form"].errors
    return next_step(response)


def version(code) -> PolicyVersion:
    return PolicyVersion.objects.get(policy__code=code, status=PolicyVersion.Status.ACTIVE)


def test_cigna_asks_no_therapies_concomitant_or_questions_and_screens_only_for_car_t(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["cigna_approved"])

    assert steps_shown(owner_client, draft) == ["policy", "patient", "diagnosis", "screening", "dose", "review"]
    # Cigna's only fact of this kind is its CAR T-cell override (Criteria 3): no TB, HBV or specialist questions.
    screening = owner_client.get(step_url(draft, "screening"))
    assert {n for n in field_names(screening) if n.startswith("screening-")} == {"screening-car_t_therapy"}


def test_fep_asks_therapies_concomitant_and_screening(owner_client, draft):
    following = answer_first_steps(owner_client, draft, SCENARIOS["fep_approved"])

    assert following == "therapies"
    assert steps_shown(owner_client, draft) == [
        "policy",
        "patient",
        "diagnosis",
        "therapies",
        "concomitant",
        "screening",
        "dose",
        "review",
    ]
    screening = owner_client.get(step_url(draft, "screening"))
    assert {"screening-screening__tb", "screening-screening__hbv"} <= field_names(screening)


def test_florida_blue_mis_c_asks_the_five_mis_c_questions(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fb_mis_c"])

    assert "questions" in steps_shown(owner_client, draft)
    page = text(owner_client.get(step_url(draft, "questions")))
    for wording in MIS_C_WORDINGS:
        assert wording in page
    assert "Member is hospitalized" not in page  # a COVID-19 question, not MIS-C


def test_florida_blue_ra_keeps_the_questions_step_but_asks_nothing_on_it(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fb_approved"])

    # The steps are the policy's (some of its diagnoses have questions), so the step counter never changes.
    shown = steps_shown(owner_client, draft)
    assert {"therapies", "concomitant", "screening", "questions"} <= set(shown)
    questions = owner_client.get(step_url(draft, "questions"))
    assert not {name for name in field_names(questions) if name.startswith("questions-q__")}
    assert MSG_STEP_NOT_NEEDED.format(diagnosis="Rheumatoid arthritis") in text(questions)


@pytest.mark.parametrize("policy, asked", [(CIGNA, False), (FEP, True), (FB, True)])
def test_disease_activity_is_asked_only_where_a_criterion_looks_at_it(owner_client, draft, policy, asked):
    post_step(
        owner_client,
        draft,
        "policy",
        step_fields("policy", scenario({CIGNA: "cigna_approved", FEP: "fep_approved", FB: "fb_approved"}[policy])),
    )

    page = owner_client.get(step_url(draft, "diagnosis"))

    assert ("diagnosis-severity" in field_names(page)) is asked


def test_weight_is_asked_where_a_weight_based_rule_exists(owner_client, draft):
    post_step(owner_client, draft, "policy", step_fields("policy", SCENARIOS["cigna_approved"]))

    page = owner_client.get(step_url(draft, "patient"))

    assert {"patient-weight", "patient-weight_unit"} <= field_names(page)


# ------------------------------------------------------------ the policy data drives the form


def test_deleting_feps_prior_therapy_criteria_removes_the_therapies_step(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fep_approved"])
    assert "therapies" in steps_shown(owner_client, draft)

    CriterionNode.objects.filter(version=version(FEP), kind__in=["trials", "preferred_trials"]).delete()

    shown = steps_shown(owner_client, draft)
    assert "therapies" not in shown
    assert {"concomitant", "screening"} <= set(shown)  # what the remaining criteria look at stays


def test_adding_a_car_t_criterion_to_fep_asks_the_car_t_question(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fep_approved"])
    screening = owner_client.get(step_url(draft, "screening"))
    assert "screening-car_t_therapy" not in field_names(screening)

    fep = version(FEP)
    root = CriterionNode.objects.get(version=fep, key="fep-initial")
    node = CriterionNode(
        version=fep,
        parent=root,
        order=99,
        key="no-car-t",
        clause="Test 9",
        text="Not treated with CAR T-cell therapy",
        kind="fact_in",
        params={"fact": "car_t_therapy", "values": [False]},
    )
    node.full_clean()  # as the admin validates it
    node.save()

    screening = owner_client.get(step_url(draft, "screening"))
    assert "screening-car_t_therapy" in field_names(screening)
    assert "Has the patient been, or will the patient be, treated with CAR T-cell therapy?" in text(screening)


def test_removing_cignas_car_t_criterion_removes_the_screening_step(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["cigna_approved"])

    CriterionNode.objects.filter(version=version(CIGNA), kind="fact_in", params__fact="car_t_therapy").delete()

    assert "screening" not in steps_shown(owner_client, draft)


def test_adding_a_question_criterion_to_cigna_adds_the_questions_step(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["cigna_approved"])
    assert "questions" not in steps_shown(owner_client, draft)

    question = Question.objects.get(code="covid_hospitalized")
    # Beside the CAR T-cell fact, in the gate of Cigna's one-time override (a quantity-limit condition).
    gate = (
        CriterionNode.objects.filter(version=version(CIGNA), kind="fact_in", params__fact="car_t_therapy").get().parent
    )
    node = CriterionNode(
        version=version(CIGNA),
        parent=gate,
        order=99,
        key="asked-hospitalized",
        clause="Test 1",
        text="Member is hospitalized",
        kind="answer_is",
        params={"question": question.code, "value": True},
    )
    node.full_clean()
    node.save()

    assert "questions" in steps_shown(owner_client, draft)
    page = text(owner_client.get(step_url(draft, "questions")))
    assert question.wording in page
