"""A prior-therapy row asks a trial's details (the weekly dose reached, what an intolerance was to) only where the
chosen policy's criteria look at them: Florida Blue's RA 1.a and 2.d, not FEP."""

from .walk import SCENARIOS, field_names, scenario, step_fields, text
from .wizard_support import next_step, post_step, rows, step_url

DETAIL_FIELDS = {
    "therapies-0-weekly_dose_mg",
    "therapies-0-higher_dose_not_tolerated",
    "therapies-0-intolerance_to",
}


def answer_first_steps(client, pa, answers) -> None:
    for step in ("policy", "patient", "diagnosis"):
        assert next_step(post_step(client, pa, step, step_fields(step, answers)))


FB_ROWS = [
    {
        "drug": "methotrexate",
        "months": "4",
        "outcome": "inadequate_response",
        "weekly_dose_mg": "15",
        "higher_dose_not_tolerated": "yes",
        "intolerance_to": "route",  # answered, then the outcome changed: it says nothing of this trial
    },
    {"drug": "Humira", "months": "0", "outcome": "intolerance", "intolerance_to": "drug"},
    {"drug": "Enbrel", "months": "0", "outcome": "intolerance", "intolerance_to": "drug"},
    {"drug": "Xeljanz", "months": "0", "outcome": "intolerance", "intolerance_to": "drug"},
]


def test_florida_blue_ra_asks_the_dose_reached_and_what_an_intolerance_was_to(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fb_approved"])

    page = owner_client.get(step_url(draft, "therapies"))

    assert DETAIL_FIELDS <= field_names(page)
    for label in ("Weekly dose reached (mg)", "Higher dose not tolerated", "Intolerance was to"):
        assert label in text(page)


def test_fep_ra_asks_no_trial_details(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fep_approved"])

    page = owner_client.get(step_url(draft, "therapies"))

    assert "therapies-0-drug" in field_names(page)
    assert not DETAIL_FIELDS & field_names(page)


def test_the_request_states_each_trials_details_for_its_outcome(submitted):
    pa = submitted(answers=scenario("fb_approved", therapies=FB_ROWS))

    assert pa.contract_request["prior_therapies"] == [
        {
            "drug": "methotrexate",
            "months": 4.0,
            "outcome": "inadequate_response",
            "weekly_dose_mg": 15.0,
            "higher_dose_not_tolerated": True,
        },
        {"drug": "Humira", "months": 0.0, "outcome": "intolerance", "intolerance_to": "drug"},
        {"drug": "Enbrel", "months": 0.0, "outcome": "intolerance", "intolerance_to": "drug"},
        {"drug": "Xeljanz", "months": 0.0, "outcome": "intolerance", "intolerance_to": "drug"},
    ]
    assert pa.determination["decision"] == "approve"


def test_a_dose_out_of_range_is_refused_on_its_row(owner_client, draft):
    answer_first_steps(owner_client, draft, SCENARIOS["fb_approved"])
    row = {**FB_ROWS[0], "weekly_dose_mg": "0"}

    response = post_step(owner_client, draft, "therapies", rows("therapies", [row]))

    assert response.status_code == 200
    assert "weekly_dose_mg" in response.context["form"].forms[0].errors


def _therapy_form(data=None, *, needs=frozenset()):
    from kineret_pa.pa_requests.forms import StepContext, TherapyForm
    from kineret_pa.policies.snapshots import policy_data_get

    return TherapyForm(data, context=StepContext(policy_data=policy_data_get(), needs=needs))


def test_a_row_asks_the_condition_treated_where_a_criterion_counts_trials_for_this_condition(policy_data):
    form = _therapy_form(needs=frozenset({"prior_therapies[].indication"}))

    field = form.fields["indication"]
    assert field.label == "Condition treated"
    assert ("ra", "Rheumatoid arthritis") in field.choices
    assert "data-outcome" not in field.widget.attrs  # whatever the outcome


def test_no_seed_policy_asks_the_condition_treated(policy_data):
    assert "indication" not in _therapy_form().fields


def test_the_condition_treated_is_stated_with_the_trial(policy_data):
    from kineret_pa.pa_requests.forms import trial_details

    data = {"drug": "methotrexate", "months": "4", "outcome": "inadequate_response", "indication": "ra"}
    form = _therapy_form(data, needs=frozenset({"prior_therapies[].indication"}))

    assert form.is_valid(), form.errors
    assert trial_details(form.cleaned_data) == {"indication": "ra"}
