"""Florida Blue's RA 1.a dose and RA 2.d intolerance rules are parameters policy staff edit, read back and check
against the wording, like any other number or choice of a criterion.

Expected values are written by hand from the policy text as loaded (fixtures/policies/floridablue-09-J0000-45.json):
Table 1 RA 1.a (key t1-ra_3_1) "maximally tolerated methotrexate (e.g., titrated to 25 mg weekly) after at least a
3-month duration of therapy"; Table 1 RA 2.d (key t1-ra_4_4) "an intolerance (defined as an intolerance to the drug
or its excipients, not to the route of administration) or hypersensitivity to THREE preferred products".
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from kineret_pa.policies.models import CriterionNode, PolicyVersion
from kineret_pa.policies.readback import MSG_WORDING_SAYS, version_readback, wording_mismatch
from kineret_pa.policies.versions import version_copy_as_draft

FB = "floridablue-09-J0000-45"
RA_1A, RA_2D = "t1-ra_3_1", "t1-ra_4_4"
RA_1A_TEXT = (
    "The member has tried and had an inadequate response to maximally tolerated methotrexate (e.g., titrated to "
    "25 mg weekly) after at least a 3-month duration of therapy"
)
RA_1A_PARAMS = {
    "lists": ["fb-ra-methotrexate"],
    "outcomes": ["inadequate_response"],
    "min_count": 1,
    "min_months": 3,
    "months_exempt_outcomes": ["intolerance", "contraindication"],
    "min_weekly_dose_mg": 25,
}
RA_1A_FORM = {
    "clause": "Table 1 RA 1.a",
    "text": RA_1A_TEXT,
    "kind": "trials",
    "key": RA_1A,
    "p_lists": ["fb-ra-methotrexate"],
    "p_outcomes": ["inadequate_response"],
    "p_min_count_0": "1",
    "p_min_months": "3",
    "p_months_exempt_outcomes": ["intolerance", "contraindication"],
    "p_min_weekly_dose_mg": "25",
}


@pytest.fixture
def fb_draft(policy_data, policy_staff) -> PolicyVersion:
    active = PolicyVersion.objects.get(policy__code=FB, status=PolicyVersion.Status.ACTIVE)
    return version_copy_as_draft(version=active, effective_date=date(2027, 1, 1), user=policy_staff)


@pytest.fixture
def staff(client, policy_staff):
    client.force_login(policy_staff)
    return client


def _node(version: PolicyVersion, key: str) -> CriterionNode:
    return CriterionNode.objects.get(version=version, key=key)


def _edit_url(version: PolicyVersion, key: str) -> str:
    return reverse("authoring:criteria-edit", args=[version.pk, _node(version, key).pk])


def test_the_seed_ra_1a_and_2d_carry_the_dose_and_intolerance_rules(fb_draft):
    assert _node(fb_draft, RA_1A).params == RA_1A_PARAMS
    assert _node(fb_draft, RA_2D).params == {
        "lists": ["fb-ra-preferred"],
        "outcomes": ["intolerance"],
        "min_count": 3,
        "intolerance_to": "drug",
    }


def test_the_edit_form_shows_the_dose_and_intolerance_rules_as_typed_fields(staff, fb_draft):
    ra_1a = staff.get(_edit_url(fb_draft, RA_1A)).context["form"]
    ra_2d = staff.get(_edit_url(fb_draft, RA_2D)).context["form"]

    assert ra_1a["p_min_weekly_dose_mg"].value() == 25
    assert ra_1a["p_intolerance_to"].value() in (None, "")
    assert ra_2d["p_intolerance_to"].value() == "drug"
    assert [value for value, _ in ra_2d.fields["p_intolerance_to"].choices] == ["", "drug"]


def test_a_new_dose_threshold_is_saved_and_flagged_against_the_wording(staff, fb_draft):
    response = staff.post(_edit_url(fb_draft, RA_1A), {**RA_1A_FORM, "p_min_weekly_dose_mg": "20"})

    assert response.status_code == 302
    assert _node(fb_draft, RA_1A).params == {**RA_1A_PARAMS, "min_weekly_dose_mg": 20}
    assert wording_mismatch(kind="trials", params=_node(fb_draft, RA_1A).params, text=RA_1A_TEXT) == (
        MSG_WORDING_SAYS.format(wording="25 mg", parameters="20 mg weekly")
    )


def test_the_dose_rule_left_blank_is_no_rule(staff, fb_draft):
    response = staff.post(_edit_url(fb_draft, RA_1A), {**RA_1A_FORM, "p_min_weekly_dose_mg": ""})

    assert response.status_code == 302
    assert "min_weekly_dose_mg" not in _node(fb_draft, RA_1A).params


def test_the_rules_read_back_in_words_and_the_seed_wording_agrees(fb_draft):
    lines = {line.key: line for line in version_readback(version=fb_draft)}

    assert lines[RA_1A].params_words.endswith(
        "; an inadequate response counts at 25 mg weekly or more, or at a lower dose when a higher one was not "
        "tolerated"
    )
    assert lines[RA_2D].params_words.endswith("; an intolerance counts only when it was to the drug or its excipients")
    assert (lines[RA_1A].mismatch, lines[RA_2D].mismatch) == (None, None)


def test_the_editor_leaves_the_condition_rule_off_for_a_trials_criterion_that_has_none():
    from kineret_pa.policies.editor_forms import PARAM_PREFIX, params_initial

    initial = params_initial(kind="trials", params={"lists": ["x"], "outcomes": ["intolerance"], "min_count": 1})

    assert initial[PARAM_PREFIX + "for_this_condition"] == "false"


def test_the_editor_preselects_yes_for_an_answer_criterion_as_the_engine_reads_it():
    from kineret_pa.policies.editor_forms import PARAM_PREFIX, params_initial

    assert params_initial(kind="answer_is", params={"question": "q"})[PARAM_PREFIX + "value"] == "true"
