"""The criteria editor: policy staff edit a draft version's criteria tree on one page.

Expected values are written by hand from the policy texts as loaded (fixtures/policies/*.json): Florida Blue's
Table 1 RA 2 (key t1-ra_4) is an ANY of six criteria, RA 2.a (t1-ra_4_1) to RA 2.f; RA 2.a asks for THREE
preferred products of at least 3 months each; Table 1 RA 1 (t1-ra_3) is an ANY of five. Cigna's "Criteria" ANY
(exceptions) holds Criteria 1 to 3, each the condition of a quantity limit.
"""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kineret_pa.engine.vocabulary import LEAF_KINDS, ParamType, kind_fields
from kineret_pa.policies.editor import (
    MSG_DELETE_LIMIT,
    MSG_KEY_TAKEN,
    MSG_ROOT_STAYS_TOP,
    CriterionFields,
    criterion_update,
)
from kineret_pa.policies.editor_forms import (
    MSG_NOT_A_NUMBER,
    MSG_PART_INCOMPLETE,
    CriterionForm,
    editor_choices,
    kind_choices,
)
from kineret_pa.policies.editor_views import MSG_ADDED, MSG_COPIED, MSG_DELETED, MSG_MOVED, MSG_SAVED
from kineret_pa.policies.models import MSG_ROOT_TAKEN, CriterionNode, PolicyVersion
from kineret_pa.policies.readback import MSG_WORDING_SAYS
from kineret_pa.policies.versions import MSG_NOT_DRAFT, version_copy_as_draft

FB = "floridablue-09-J0000-45"
CIGNA = "cigna-dqm008"
RA_2 = "t1-ra_4"
RA_2A = "t1-ra_4_1"
RA_1 = "t1-ra_3"
RA_2_CHILDREN = ["t1-ra_4_1", "t1-ra_4_2", "t1-ra_4_3", "t1-ra_4_4", "t1-ra_4_5", "t1-ra_4_6"]
RA_2A_TEXT = (
    "The member has tried and had an inadequate response to THREE preferred products after at least a 3-month "
    "trial per product"
)
# RA 2.a as the typed form posts it: lists, outcomes, how many, months, and the outcomes the months spare.
RA_2A_FORM = {
    "clause": "Table 1 RA 2.a",
    "text": RA_2A_TEXT,
    "kind": "trials",
    "key": RA_2A,
    "p_lists": ["fb-ra-preferred"],
    "p_outcomes": ["inadequate_response"],
    "p_min_count_0": "3",
    "p_min_months": "3",
    "p_months_exempt_outcomes": ["intolerance", "contraindication"],
}
RA_2A_PARAMS = {
    "lists": ["fb-ra-preferred"],
    "outcomes": ["inadequate_response"],
    "min_count": 3,
    "min_months": 3,
    "months_exempt_outcomes": ["intolerance", "contraindication"],
}


def _active(code: str) -> PolicyVersion:
    return PolicyVersion.objects.get(policy__code=code, status=PolicyVersion.Status.ACTIVE)


def _draft(code: str, user) -> PolicyVersion:
    return version_copy_as_draft(version=_active(code), effective_date=date(2027, 1, 1), user=user)


@pytest.fixture
def fb_draft(policy_data, policy_staff) -> PolicyVersion:
    return _draft(FB, policy_staff)


@pytest.fixture
def staff(client, policy_staff):
    client.force_login(policy_staff)
    return client


def _node(version: PolicyVersion, key: str) -> CriterionNode:
    return CriterionNode.objects.get(version=version, key=key)


def _url(name: str, version: PolicyVersion, key: str | None = None) -> str:
    args = [version.pk] + ([_node(version, key).pk] if key else [])
    return reverse(f"authoring:{name}", args=args)


def _tree(version: PolicyVersion) -> str:
    return reverse("authoring:criteria", args=[version.pk])


def _children(version: PolicyVersion, key: str) -> list[str]:
    return list(
        CriterionNode.objects.filter(version=version, parent__key=key)
        .order_by("order", "id")
        .values_list("key", flat=True)
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def _rows(version: PolicyVersion) -> list[tuple]:
    return list(
        CriterionNode.objects.filter(version=version)
        .order_by("id")
        .values_list("id", "parent_id", "order", "key", "clause", "text", "kind", "params", "gate", "root_for")
    )


# ---------------------------------------------------------------- who may, and which criteria


@pytest.mark.parametrize("role", ["prescriber", "reviewer"])
def test_prescribers_and_reviewers_are_refused(client, fb_draft, role, request):
    client.force_login(request.getfixturevalue(role))

    assert client.get(_tree(fb_draft)).status_code == 403
    assert client.post(_url("criteria-edit", fb_draft, RA_2A), RA_2A_FORM).status_code == 403
    assert client.post(_url("criteria-delete", fb_draft, RA_2)).status_code == 403
    assert _node(fb_draft, RA_2A).params == RA_2A_PARAMS


def test_another_versions_criterion_is_not_found(staff, fb_draft):
    active_node = _node(_active(FB), RA_2A)
    for name in ("criteria-edit", "criteria-add-child", "criteria-move-into", "criteria-delete"):
        url = reverse(f"authoring:{name}", args=[fb_draft.pk, active_node.pk])
        assert staff.get(url).status_code == 404
    assert staff.post(reverse("authoring:criteria-copy", args=[fb_draft.pk, active_node.pk])).status_code == 404
    assert staff.get(reverse("authoring:criteria", args=[999999])).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(fb_draft, policy_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(policy_staff)

    response = client.post(_url("criteria-move", fb_draft, RA_2A), {"direction": "down"})

    assert response.status_code == 403
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN


# ---------------------------------------------------------------- the tree


def test_tree_lists_fb_ra_2a_with_its_wording_and_edit_controls(staff, fb_draft):
    response = staff.get(_tree(fb_draft))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="node-t1-ra_4_1"' in html
    assert "Table 1 RA 2.a" in html
    assert RA_2A_TEXT in html
    assert "At least N trials from drug lists" in html
    assert _url("criteria-edit", fb_draft, RA_2A) in html
    assert _url("criteria-add-child", fb_draft, RA_2) in html  # an ANY takes children
    assert _url("criteria-add-child", fb_draft, RA_2A) not in html  # a single test does not


def test_a_published_version_is_shown_without_edit_controls(staff, policy_data):
    active = _active(FB)

    html = staff.get(_tree(active)).content.decode()

    assert "Table 1 RA 2.a" in html
    assert 'id="read-only"' in html
    assert "copy it as a new draft" in html
    assert _url("criteria-edit", active, RA_2A) not in html
    assert "Delete branch" not in html


def test_tree_page_queries_do_not_grow_with_the_number_of_criteria(staff, fb_draft, policy_staff):
    staff.get(_tree(fb_draft))  # the snapshot cache and the session warmed
    with CaptureQueriesContext(connection) as before:
        staff.get(_tree(fb_draft))
    ra_2 = _node(fb_draft, RA_2)
    for n in range(10):
        CriterionNode.objects.create(
            version=fb_draft, parent=ra_2, order=10 + n, key=f"extra-{n}", clause=f"Extra {n}", text="Extra", kind="all"
        )
    staff.get(_tree(fb_draft))
    with CaptureQueriesContext(connection) as after:
        staff.get(_tree(fb_draft))

    assert len(after) == len(before)
    assert len(before) <= 30


# ---------------------------------------------------------------- the typed form


def test_editing_ra_2a_min_count_from_three_to_two_changes_only_it_and_flags_the_wording(staff, fb_draft, policy_staff):
    response = staff.post(_url("criteria-edit", fb_draft, RA_2A), {**RA_2A_FORM, "p_min_count_0": "2"})

    assert response.status_code == 302
    assert response["Location"] == f"{_tree(fb_draft)}#node-t1-ra_4_1"
    assert _messages(response) == [MSG_SAVED.format(clause="Table 1 RA 2.a")]
    assert _node(fb_draft, RA_2A).params == {**RA_2A_PARAMS, "min_count": 2}
    html = staff.get(_tree(fb_draft)).content.decode()
    assert MSG_WORDING_SAYS.format(wording="THREE", parameters="2") in html


def test_the_edit_form_shows_ra_2a_parameters_as_typed_fields(staff, fb_draft):
    form = staff.get(_url("criteria-edit", fb_draft, RA_2A)).context["form"]

    assert form["p_min_count"].value() == 3
    assert form["p_min_months"].value() == 3
    assert form["p_lists"].value() == ["fb-ra-preferred"]
    assert form["p_months_exempt_outcomes"].value() == ["intolerance", "contraindication"]
    assert ("fb-ra-preferred", "Preferred RA products (Table 1 RA 2)") in form.fields["p_lists"].choices
    assert "root_for" not in form.fields  # RA 2.a has a parent


def test_letters_in_a_number_field_show_the_message_on_that_field_and_keep_what_was_entered(staff, fb_draft):
    data = {**RA_2A_FORM, "clause": "Table 1 RA 2.a (edited)", "p_min_count_0": "2", "p_min_months": "abc"}

    response = staff.post(_url("criteria-edit", fb_draft, RA_2A), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["p_min_months"] == [MSG_NOT_A_NUMBER]
    assert list(form.errors) == ["p_min_months"]
    html = response.content.decode()
    assert 'value="Table 1 RA 2.a (edited)"' in html
    assert 'name="p_min_count_0" value="2"' in html
    assert 'name="p_min_months" value="abc"' in html
    assert _node(fb_draft, RA_2A).params == RA_2A_PARAMS


def test_a_taken_key_is_refused_on_the_key_field_with_a_free_one_suggested(staff, fb_draft):
    form = staff.post(_url("criteria-edit", fb_draft, RA_2A), {**RA_2A_FORM, "key": "t1-ra_4_2"}).context["form"]

    assert form.errors == {"key": [MSG_KEY_TAKEN.format(key="t1-ra_4_2", suggestion="t1-ra_4_2-2")]}


def test_a_second_root_for_initial_is_refused_on_the_root_field(staff, fb_draft):
    data = {"clause": "Another start", "text": "ALL of the following", "key": "another-start", "kind": "all"}

    response = staff.post(reverse("authoring:criteria-add-top", args=[fb_draft.pk]), {**data, "root_for": "initial"})

    taken = MSG_ROOT_TAKEN.format(request_types="Initial", clause="Position Statement", key="fb-init")
    assert response.context["form"].errors == {"root_for": [taken]}
    assert not CriterionNode.objects.filter(version=fb_draft, key="another-start").exists()


def test_a_vocabulary_message_goes_on_the_field_it_names_and_others_above_the_form(fb_draft):
    form = CriterionForm({}, kind="trials", choices=editor_choices(version=fb_draft), top_level=False)
    form.is_valid()
    named = 'Parameter “min_count” must be a whole number of 1 or more, or "all".'
    unnamed = "Unknown fact “screening.xyz”. Choose one of: plan, benefit."

    form.errors_apply(ValidationError({"params": [named, unnamed]}))

    assert named in form.errors["p_min_count"]
    assert form.non_field_errors() == [unnamed]


def test_ra_2b_parts_are_edited_row_by_row(staff, fb_draft):
    data = {
        "clause": "Table 1 RA 2.b",
        "text": "TWO preferred products after at least a 6-month duration, AND ONE with intolerance",
        "kind": "distinct_trials",
        "key": "t1-ra_4_2",
        "p_lists": ["fb-ra-preferred"],
        "p_parts_1_outcomes": ["inadequate_response"],
        "p_parts_1_count": "2",
        "p_parts_1_min_months": "6",
        "p_parts_2_outcomes": ["intolerance"],
        "p_parts_2_count": "1",
    }
    form = staff.get(_url("criteria-edit", fb_draft, "t1-ra_4_2")).context["form"]

    staff.post(_url("criteria-edit", fb_draft, "t1-ra_4_2"), data)

    assert (form["p_parts_1_count"].value(), form["p_parts_1_min_months"].value()) == (2, 3)
    assert form["p_parts_2_outcomes"].value() == ["intolerance"]
    assert _node(fb_draft, "t1-ra_4_2").params == {
        "lists": ["fb-ra-preferred"],
        "parts": [
            {"outcomes": ["inadequate_response"], "count": 2, "min_months": 6},
            {"outcomes": ["intolerance"], "count": 1},
        ],
    }


def test_a_part_half_filled_is_refused_on_its_row(staff, fb_draft):
    data = {"clause": "Table 1 RA 2.b", "text": "TWO", "kind": "distinct_trials", "key": "t1-ra_4_2"}
    data |= {"p_lists": ["fb-ra-preferred"], "p_parts_1_outcomes": ["inadequate_response"], "p_parts_1_count": "2"}
    data |= {"p_parts_2_outcomes": ["intolerance"]}

    form = staff.post(_url("criteria-edit", fb_draft, "t1-ra_4_2"), data).context["form"]

    assert form.errors == {"p_parts_2_count": [MSG_PART_INCOMPLETE.format(n=2)]}


def test_ticking_all_saves_min_count_all(staff, fb_draft):
    data = {
        **RA_2A_FORM,
        "text": "ALL preferred products for at least 3 months",
        "p_min_count_0": "",
        "p_min_count_1": "on",
    }

    staff.post(_url("criteria-edit", fb_draft, RA_2A), data)

    assert _node(fb_draft, RA_2A).params == {**RA_2A_PARAMS, "min_count": "all"}


def test_choosing_another_kind_shows_that_kinds_fields(staff, fb_draft):
    form = staff.get(_url("criteria-add-child", fb_draft, RA_2) + "?kind=number_compare").context["form"]

    assert {"p_fact", "p_op", "p_value"} <= set(form.fields)
    assert "p_lists" not in form.fields


def test_showing_another_kinds_fields_keeps_what_was_entered(staff, fb_draft):
    data = {"clause": "Table 1 RA 2.g", "text": "A new criterion", "key": "t1-ra_4_7", "kind": "distinct_trials"}

    response = staff.post(_url("criteria-add-child", fb_draft, RA_2), {**data, "_refresh": "1"})

    form = response.context["form"]
    assert response.status_code == 200
    assert not form.is_bound
    assert {"p_lists", "p_parts_1_outcomes", "p_parts_1_count", "p_parts_3_min_months"} <= set(form.fields)
    assert form["clause"].value() == "Table 1 RA 2.g"
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN


def test_a_refer_to_pharmacist_criterion_is_entered_as_its_reason_in_a_text_box(staff, fb_draft):
    page = staff.get(_url("criteria-add-child", fb_draft, RA_2) + "?kind=refer_to_pharmacist")
    reason = "Whether the member's intolerance was to the drug or to the injection needs clinical review."
    data = {"clause": "Table 1 RA 2.g", "text": "Clinical review", "key": "t1-ra_4_7", "kind": "refer_to_pharmacist"}

    response = staff.post(_url("criteria-add-child", fb_draft, RA_2), {**data, "p_reason": reason})

    form = page.context["form"]
    assert [name for name in form.fields if name.startswith("p_")] == ["p_reason"]
    assert isinstance(form.fields["p_reason"].widget, forms.Textarea)
    assert '<textarea name="p_reason"' in page.content.decode()
    assert 'maxlength="300"' in page.content.decode()
    assert response.status_code == 302
    assert _node(fb_draft, "t1-ra_4_7").params == {"reason": reason}


def test_a_refer_to_pharmacist_reason_over_300_characters_is_refused_on_its_field(staff, fb_draft):
    data = {"clause": "Table 1 RA 2.g", "text": "Clinical review", "key": "t1-ra_4_7", "kind": "refer_to_pharmacist"}

    response = staff.post(_url("criteria-add-child", fb_draft, RA_2), {**data, "p_reason": "x" * 301})

    assert response.context["form"].errors == {
        "p_reason": ["Ensure this value has at most 300 characters (it has 301)."]
    }
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN


def test_kinds_are_offered_by_label_sorted_with_inner_kinds_apart():
    (inner_group, inner), (leaf_group, leaves) = kind_choices()

    assert [label for _, label in inner] == [
        "ALL of the children",
        "ANY ONE of the children",
        "AT LEAST N of the children",
        "NOT (the single child is not met)",
    ]
    assert [label for _, label in leaves] == sorted((label for _, label in leaves), key=str.lower)
    assert ("trials", "At least N trials from drug lists") in leaves


def test_every_example_parameter_has_a_declared_field():
    for kind, leaf in LEAF_KINDS.items():
        declared = {param.name for param in kind_fields(kind)}
        assert set(leaf.example) <= declared, kind
    parts = next(p for p in kind_fields("distinct_trials") if p.type == ParamType.PARTS)
    assert {part.name for part in parts.parts} == {"outcomes", "count", "min_months"}


# ---------------------------------------------------------------- add, move, copy, delete


def test_add_child_under_an_any_goes_last_with_a_suggested_key(staff, fb_draft, policy_staff):
    suggested = staff.get(_url("criteria-add-child", fb_draft, RA_2)).context["form"]["key"].value()
    data = {
        "clause": "Table 1 RA 2.g",
        "text": "Latent TB test is negative",
        "key": suggested,
        "kind": "fact_in",
        "p_fact": "screening.tb",
        "p_values": ["negative"],
    }

    response = staff.post(_url("criteria-add-child", fb_draft, RA_2), data)

    assert suggested == "t1-ra_4_7"
    assert response["Location"] == f"{_tree(fb_draft)}#node-t1-ra_4_7"
    assert _messages(response) == [MSG_ADDED.format(clause="Table 1 RA 2.g")]
    assert _children(fb_draft, RA_2) == [*RA_2_CHILDREN, "t1-ra_4_7"]
    added = _node(fb_draft, "t1-ra_4_7")
    assert added.params == {"fact": "screening.tb", "values": ["negative"]}
    assert added.history.get().history_user == policy_staff


def test_add_sibling_goes_right_after_it(staff, fb_draft):
    data = {"clause": "Table 1 RA 2.a bis", "text": "The member is 18 or older", "key": "ra-2a-bis"}
    data |= {"kind": "number_compare", "p_fact": "patient.age_years", "p_op": ">=", "p_value": "18"}

    staff.post(_url("criteria-add-sibling", fb_draft, RA_2A), data)

    assert _children(fb_draft, RA_2) == ["t1-ra_4_1", "ra-2a-bis", *RA_2_CHILDREN[1:]]
    assert _node(fb_draft, "ra-2a-bis").params == {"fact": "patient.age_years", "op": ">=", "value": 18}


def test_move_down_then_up_swaps_with_the_neighbour(staff, fb_draft):
    response = staff.post(_url("criteria-move", fb_draft, RA_2A), {"direction": "down"})

    assert response["Location"] == f"{_tree(fb_draft)}#node-t1-ra_4_1"
    assert _messages(response) == [MSG_MOVED.format(clause="Table 1 RA 2.a")]
    assert _children(fb_draft, RA_2) == ["t1-ra_4_2", "t1-ra_4_1", *RA_2_CHILDREN[2:]]
    staff.post(_url("criteria-move", fb_draft, RA_2A), {"direction": "up"})
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN


def test_move_into_another_branch_puts_it_last_there(staff, fb_draft):
    page = staff.get(_url("criteria-move-into", fb_draft, RA_2A))
    offered = {node.key for node in page.context["form"].fields["parent"].queryset}

    staff.post(_url("criteria-move-into", fb_draft, RA_2A), {"parent": _node(fb_draft, RA_1).pk})

    assert RA_1 in offered and RA_2A not in offered
    assert offered <= set(CriterionNode.objects.filter(version=fb_draft).values_list("key", flat=True))
    assert _children(fb_draft, RA_1) == ["t1-ra_3_1", "t1-ra_3_2", "t1-ra_3_3", "t1-ra_3_4", "t1-ra_3_5", RA_2A]
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN[1:]


def test_a_request_types_start_cannot_move_under_another_criterion(staff, fb_draft):
    response = staff.post(_url("criteria-move-into", fb_draft, "fb-init"), {"parent": _node(fb_draft, "fb-cont").pk})

    stays = MSG_ROOT_STAYS_TOP.format(clause="Position Statement", request_types="initial")
    assert response.context["form"].non_field_errors() == [stays]
    assert _node(fb_draft, "fb-init").parent_id is None


def test_renaming_a_key_renames_it_in_the_same_as_criteria_that_name_it(fb_draft, policy_staff):
    node = _node(fb_draft, "fb-init")
    same_as = [
        n.pk for n in CriterionNode.objects.filter(version=fb_draft, kind="ref") if n.params["node"] == "fb-init"
    ]
    fields = CriterionFields(
        clause=node.clause, text=node.text, key="fb-initial", kind=node.kind, params=node.params, root_for="initial"
    )

    criterion_update(node=node, fields=fields, user=policy_staff)

    assert same_as
    assert [n.params["node"] for n in CriterionNode.objects.filter(pk__in=same_as)] == ["fb-initial"] * len(same_as)


def test_move_into_another_versions_criterion_is_refused(staff, fb_draft):
    elsewhere = _node(_active(FB), RA_1)

    response = staff.post(_url("criteria-move-into", fb_draft, RA_2A), {"parent": elsewhere.pk})

    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert _children(fb_draft, RA_2) == RA_2_CHILDREN


def test_copy_branch_gives_the_same_shape_with_new_keys_right_after_it(staff, fb_draft):
    ra_2_text = _node(fb_draft, RA_2).text

    response = staff.post(_url("criteria-copy", fb_draft, RA_2))

    assert _messages(response) == [MSG_COPIED.format(clause="Table 1 RA 2", key="t1-ra_4-copy")]
    assert _children(fb_draft, "t1-ra") == ["t1-ra_1", "t1-ra_2", "t1-ra_3", "t1-ra_4", "t1-ra_4-copy"]
    copy = _node(fb_draft, "t1-ra_4-copy")
    assert (copy.clause, copy.kind, copy.text) == ("Table 1 RA 2", "any", ra_2_text)
    copied = _children(fb_draft, "t1-ra_4-copy")
    assert copied == [f"t1-ra_4-copy_{n}" for n in range(1, 7)]
    assert _node(fb_draft, "t1-ra_4-copy_1").params == RA_2A_PARAMS
    keys = list(CriterionNode.objects.filter(version=fb_draft).values_list("key", flat=True))
    assert len(keys) == len(set(keys))


def test_delete_branch_asks_first_then_deletes_it_and_everything_under_it(staff, fb_draft, policy_staff):
    page = staff.get(_url("criteria-delete", fb_draft, RA_2))
    ids = [node.pk for node in page.context["branch"]]

    response = staff.post(_url("criteria-delete", fb_draft, RA_2))

    assert len(ids) == 9  # RA 2, its six alternatives, and under 2.f the prescriber's statement and the referral
    assert response["Location"] == f"{_tree(fb_draft)}#node-t1-ra"
    assert _messages(response) == [MSG_DELETED.format(clause="Table 1 RA 2", n=9)]
    assert not CriterionNode.objects.filter(pk__in=ids).exists()
    deleted = CriterionNode.history.filter(id__in=ids, history_type="-")
    assert {row.history_user for row in deleted} == {policy_staff}
    assert deleted.count() == 9


def test_delete_branch_holding_a_limits_condition_is_refused_naming_the_limit(staff, policy_data, policy_staff):
    cigna = _draft(CIGNA, policy_staff)
    before = _rows(cigna)
    limit = (
        "Criteria 3 (“Approve a one-time override for the requested quantity, not to exceed 112 syringes "
        "(one-time approvals are provided for 30 days)”)"
    )
    expected = MSG_DELETE_LIMIT.format(clause="Criteria 3", limit=limit, condition="Criteria 3")

    page = staff.get(_url("criteria-delete", cigna, "criteria-3"))
    response = staff.post(_url("criteria-delete", cigna, "criteria-3"))

    assert page.context["blockers"] == [expected]
    assert _messages(response) == [expected]
    assert _rows(cigna) == before


# ---------------------------------------------------------------- a published version never changes


def test_every_change_to_a_published_version_is_refused_and_changes_nothing(staff, policy_data):
    active = _active(FB)
    before = _rows(active)
    history = CriterionNode.history.filter(version_id=active.pk).count()
    refused = MSG_NOT_DRAFT.format(version=active, status="active")
    posts = [
        (_url("criteria-edit", active, RA_2A), {**RA_2A_FORM, "p_min_count_0": "2"}),
        (_url("criteria-add-child", active, RA_2), {**RA_2A_FORM, "key": "new-one"}),
        (_url("criteria-add-sibling", active, RA_2A), {**RA_2A_FORM, "key": "new-two"}),
        (_url("criteria-move", active, RA_2A), {"direction": "down"}),
        (_url("criteria-move-into", active, RA_2A), {"parent": _node(active, RA_1).pk}),
        (_url("criteria-copy", active, RA_2), {}),
        (_url("criteria-delete", active, RA_2A), {}),
    ]

    for url, data in posts:
        response = staff.post(url, data, follow=True)
        assert response.redirect_chain == [(_tree(active), 302)], url
        assert [str(message) for message in response.context["messages"]] == [refused], url

    assert _rows(active) == before
    assert CriterionNode.history.filter(version_id=active.pk).count() == history


def test_each_saved_change_records_the_user_on_its_history_row(staff, fb_draft, policy_staff):
    staff.post(_url("criteria-edit", fb_draft, RA_2A), {**RA_2A_FORM, "p_min_count_0": "2"})
    staff.post(_url("criteria-move", fb_draft, "t1-ra_4_2"), {"direction": "up"})

    edited = _node(fb_draft, RA_2A).history.first()
    moved = _node(fb_draft, "t1-ra_4_2").history.first()
    assert (edited.history_type, edited.history_user, edited.params["min_count"]) == ("~", policy_staff, 2)
    assert (moved.history_type, moved.history_user, moved.order) == ("~", policy_staff, 1)
