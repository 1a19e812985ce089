"""A version read back as indented policy text, with a flag where the wording and the parameters disagree.

Expected wordings are written by hand from the Florida Blue text (fixtures/policies/floridablue-09-J0000-45.json,
Table 1 RA 2) and the drug catalog's first brand name for each product.
"""

from __future__ import annotations

import pytest

from kineret_pa.policies.models import CriterionNode, PolicyVersion
from kineret_pa.policies.readback import (
    MSG_WORDING_SAYS,
    MSG_WORDING_SILENT,
    ROLE_GATE,
    ReadbackLine,
    readback_text,
    version_readback,
    wording_mismatch,
)

FB = "floridablue-09-J0000-45"
RA_2A = "Table 1 RA 2.a"
RA_2A_TEXT = (
    "The member has tried and had an inadequate response to THREE preferred products after at least a 3-month "
    "trial per product"
)
FB_PREFERRED_RA = (
    "Preferred RA products (Table 1 RA 2): adalimumab-aaty (Yuflyma), adalimumab-adaz (Hyrimoz), "
    "etanercept (Enbrel), adalimumab-bwwd (Hadlima), adalimumab (Humira), upadacitinib (Rinvoq), "
    "adalimumab-ryvk (Simlandi), tofacitinib (Xeljanz)"
)


def _fb() -> PolicyVersion:
    return PolicyVersion.objects.get(policy__code=FB, effective_date="2026-01-01")


def _line(lines: list[ReadbackLine], clause: str) -> ReadbackLine:
    (line,) = [line for line in lines if line.clause == clause]
    return line


def _keyed(lines: list[ReadbackLine], key: str) -> ReadbackLine:
    (line,) = [line for line in lines if line.key == key]
    return line


def _ra_2a_params_set(**changes) -> None:
    node = CriterionNode.objects.get(version=_fb(), clause=RA_2A)
    CriterionNode.objects.filter(pk=node.pk).update(params={**node.params, **changes})


def test_fb_ra_2a_reads_with_the_preferred_products_by_name_at_its_depth(policy_data):
    line = _line(version_readback(version=_fb()), RA_2A)

    # Initiation root > Initiation > 1 > 1.c > 1.c.i > Table 1 RA > RA 2 > RA 2.a
    assert line.depth == 7
    assert line.text == RA_2A_TEXT
    assert line.kind_label == "At least N trials from drug lists"
    assert line.params_words == (
        f"at least 3 months of each of 3 products from {FB_PREFERRED_RA}; outcome: inadequate response"
    )
    assert line.mismatch is None


def test_fb_ra_2b_reads_its_two_parts_as_different_products(policy_data):
    line = _line(version_readback(version=_fb()), "Table 1 RA 2.b")

    assert line.params_words == (
        "2 products with inadequate response (at least 3 months each) and 1 product with intolerance or "
        f"hypersensitivity, each a different product, from {FB_PREFERRED_RA}"
    )


def test_roots_come_first_each_marked_with_its_request_type(policy_data):
    lines = version_readback(version=_fb())

    assert [(line.key, line.role) for line in lines if line.depth == 0] == [
        ("fb-init", "Initial requests"),
        ("fb-cont", "Renewal requests"),
    ]
    assert _keyed(lines, "t1-ra").depth == 5
    assert [line.role for line in lines if line.clause == "Table 1 RA" and line.depth == 6] == [ROLE_GATE, ""]


def test_a_loose_criterion_comes_after_the_trees_holding_limit_conditions(policy_data):
    version = PolicyVersion.objects.get(policy__code="cigna-dqm008")
    CriterionNode.objects.create(version=version, order=0, key="spare", clause="Spare", text="Unused", kind="all")

    lines = version_readback(version=version)

    assert [line.key for line in lines if line.depth == 0] == ["exceptions", "spare"]
    assert _keyed(lines, "criteria-2").role == "condition for the quantity limit Criteria 2"


@pytest.mark.parametrize("code", ["cigna-dqm008", "fep-5.70.050", FB])
def test_seed_versions_read_back_every_criterion_without_a_mismatch(policy_data, code):
    version = PolicyVersion.objects.get(policy__code=code)

    lines = version_readback(version=version)

    assert len(lines) == CriterionNode.objects.filter(version=version).count()
    assert [(line.clause, line.mismatch) for line in lines if line.mismatch] == []


def test_min_count_changed_from_3_to_2_on_ra_2a_is_flagged(policy_data):
    _ra_2a_params_set(min_count=2)

    line = _line(version_readback(version=_fb()), RA_2A)

    assert line.mismatch == "The wording says THREE but the parameters say 2."
    assert line.mismatch == MSG_WORDING_SAYS.format(wording="THREE", parameters="2")


def test_months_changed_from_3_to_6_on_ra_2a_is_flagged(policy_data):
    _ra_2a_params_set(min_months=6)

    line = _line(version_readback(version=_fb()), RA_2A)

    assert line.mismatch == "The wording says 3-month but the parameters say 6 months."


def test_a_count_word_that_matches_the_parameters_passes(policy_data):
    node = CriterionNode.objects.get(version=_fb(), clause=RA_2A)
    CriterionNode.objects.filter(pk=node.pk).update(
        text=RA_2A_TEXT.replace("THREE", "two"), params={**node.params, "min_count": 2}
    )

    assert _line(version_readback(version=_fb()), RA_2A).mismatch is None


def test_the_mismatch_shows_in_the_plain_text(policy_data):
    _ra_2a_params_set(min_count=2)

    text = readback_text(version_readback(version=_fb()))

    assert (
        f"              {RA_2A}: {RA_2A_TEXT}\n"
        "                  = At least N trials from drug lists: at least 3 months of each of 2 products from "
        f"{FB_PREFERRED_RA}; outcome: inadequate response\n"
        "                  MISMATCH: The wording says THREE but the parameters say 2.\n"
    ) in text


def test_a_version_reads_back_in_a_bounded_number_of_queries(policy_data, django_assert_max_num_queries):
    # The revision, the catalog (built cold here), the criteria, the limits' conditions, the drug lists with
    # their plans, classes, entries and the entries' preferred biosimilars, the questions, every payer's plans and
    # the specialties (the catalog's): whatever the size of the tree.
    with django_assert_max_num_queries(19):
        lines = version_readback(version=_fb())
    assert len(lines) > 100


def test_plain_text_indents_two_spaces_per_depth():
    lines = [
        ReadbackLine(0, "root", "Criteria", "ANY ONE of the children", "ONE of the following", "", None, "Roots"),
        ReadbackLine(1, "leaf", "Criteria 1", "Dose at most N mg/kg/day", "Up to 8 mg/kg", "dose at most 8", "Off."),
    ]

    assert readback_text(lines) == (
        "[Roots] Criteria: ONE of the following\n"
        "    = ANY ONE of the children\n"
        "  Criteria 1: Up to 8 mg/kg\n"
        "      = Dose at most N mg/kg/day: dose at most 8\n"
        "      MISMATCH: Off.\n"
    )


# ---------------------------------------------------------------- the rule, leaf by leaf


def test_a_count_of_one_need_not_be_written():
    text = "The member has tried and had an inadequate response to maximally tolerated methotrexate (e.g., titrated to "
    text += "25 mg weekly) after at least a 3-month duration of therapy"

    assert wording_mismatch(kind="trials", params={"min_count": 1, "min_months": 3}, text=text) is None


def test_a_count_the_wording_never_states_is_flagged():
    text = "The member has tried preferred products after at least a 3-month trial per product"

    mismatch = wording_mismatch(kind="trials", params={"min_count": 2, "min_months": 3}, text=text)

    assert mismatch == "The parameters say 2 but the wording does not say it."
    assert mismatch == MSG_WORDING_SILENT.format(parameters="2")


def test_all_in_the_wording_against_a_number_in_the_parameters_is_flagged():
    text = "The member has an FDA labeled contraindication to ALL preferred products"

    assert wording_mismatch(kind="trials", params={"min_count": 1}, text=text) == (
        "The wording says ALL but the parameters say 1."
    )
    assert wording_mismatch(kind="trials", params={"min_count": "all"}, text=text) is None


def test_min_count_all_against_a_number_word_is_flagged():
    assert wording_mismatch(kind="trials", params={"min_count": "all", "min_months": 3}, text=RA_2A_TEXT) == (
        "The wording says THREE but the parameters say ALL."
    )


def test_a_part_count_of_distinct_trials_is_checked():
    text = "Inadequate response to TWO preferred products after at least a 3-month duration of therapy per product, "
    text += "AND an intolerance or hypersensitivity to ONE preferred product"
    parts = [
        {"outcomes": ["inadequate_response"], "count": 3, "min_months": 3},
        {"outcomes": ["intolerance"], "count": 1},
    ]

    assert wording_mismatch(kind="distinct_trials", params={"parts": parts}, text=text) == (
        "The wording says TWO but the parameters say 3."
    )


def test_at_least_n_is_checked_against_its_count_word():
    assert wording_mismatch(kind="at_least", params={"n": 2}, text="At least TWO of the following") is None
    assert wording_mismatch(kind="at_least", params={"n": 2}, text="At least three of the following") == (
        "The wording says three but the parameters say 2."
    )


def test_a_threshold_changed_in_the_parameters_is_flagged_with_its_unit():
    params = {"fact": "patient.age_years", "op": "<", "value": 21}

    assert wording_mismatch(kind="number_compare", params=params, text="Member is less than 18 years of age") == (
        "The wording says 18 years but the parameters say 21 years."
    )


def test_mg_per_kg_changed_in_the_parameters_is_flagged():
    text = "Prescriber will not exceed the FDA labeled maintenance dose of 8 mg/kg/day"

    assert wording_mismatch(kind="dose_mg_per_kg_at_most", params={"mg_per_kg": 8}, text=text) is None
    assert wording_mismatch(kind="dose_mg_per_kg_at_most", params={"mg_per_kg": 10}, text=text) == (
        "The wording says 8 mg/kg/day but the parameters say 10 mg/kg/day."
    )


def test_a_number_word_on_a_node_without_numbers_is_not_checked():
    assert wording_mismatch(kind="any", params={}, text="ONE of the following (a, b, or c)") is None
    assert wording_mismatch(kind="fact_in", params={"fact": "severity", "values": ["severe"]}, text="TWO") is None
