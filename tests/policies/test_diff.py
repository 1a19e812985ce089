"""What changed between two versions, in words: a copy of a fixture version, edited, against the original.

The copy is the fixture's version loaded again as a draft effective 2027-01-01; expected lines are written by
hand from the fixture JSON (fixtures/policies/*.json) and the catalog's names.
"""

from __future__ import annotations

import json

import pytest

from kineret_pa.policies.diff import DiffLine, versions_diff
from kineret_pa.policies.loading import FIXTURES, version_load
from kineret_pa.policies.models import (
    ApprovalDuration,
    CriterionNode,
    DrugList,
    DrugListEntry,
    Icd10Code,
    Policy,
    PolicyDiagnosis,
    PolicyVersion,
    QuantityLimit,
    WeightRow,
)

FB = "floridablue-09-J0000-45"
CIGNA = "cigna-dqm008"
RA_2A = "Table 1 RA 2.a (t1-ra_4_1)"  # the fourth child of t1-ra (RA 2), its first child


def _original(code: str) -> PolicyVersion:
    return PolicyVersion.objects.get(policy__code=code, status=PolicyVersion.Status.ACTIVE)


def _copy(code: str) -> PolicyVersion:
    data = json.loads((FIXTURES / "policies" / f"{code}.json").read_text(encoding="utf-8"))
    item = {**data["versions"][0], "status": "draft", "effective_date": "2027-01-01"}
    return version_load(Policy.objects.get(code=code), item)


def _node(version: PolicyVersion, key: str) -> CriterionNode:
    return CriterionNode.objects.get(version=version, key=key)


def test_a_version_compared_with_itself_has_no_lines(policy_data):
    fb = _original(FB)

    assert versions_diff(old=fb, new=fb) == []


@pytest.mark.parametrize("code", [FB, CIGNA, "fep-5.70.050"])
def test_a_fresh_copy_of_the_fixture_version_has_no_lines(policy_data, code):
    assert versions_diff(old=_original(code), new=_copy(code)) == []


def test_min_count_changed_on_the_copy_reads_3_to_2(policy_data):
    copy = _copy(FB)
    node = _node(copy, "t1-ra_4_1")
    CriterionNode.objects.filter(pk=node.pk).update(params={**node.params, "min_count": 2})

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine("Criteria", "changed", RA_2A, "products required (min_count): 3 → 2")
    ]


def test_a_changed_wording_and_outcome_read_old_and_new(policy_data):
    copy = _copy(FB)
    node = _node(copy, "t1-ra_4_1")
    CriterionNode.objects.filter(pk=node.pk).update(
        text="Inadequate response to THREE preferred products",
        params={**node.params, "outcomes": ["inadequate_response", "intolerance"]},
    )

    (line,) = versions_diff(old=_original(FB), new=copy)

    assert line.words == (
        "wording: The member has tried and had an inadequate response to THREE preferred products after at least "
        "a 3-month trial per product → Inadequate response to THREE preferred products; "
        "outcomes (outcomes) added: intolerance or hypersensitivity"
    )


def test_a_removed_criterion_and_an_added_one_are_both_read(policy_data):
    copy = _copy(FB)
    _node(copy, "t1-ra_4_6").delete()  # RA 2.f
    CriterionNode.objects.create(
        version=copy,
        parent=_node(copy, "t1-ra_4"),
        order=7,
        key="ra-2-g",
        clause="Table 1 RA 2.g",
        text="Severe disease",
        kind="fact_in",
        params={"fact": "severity", "values": ["severe"]},
    )

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine("Criteria", "added", "Table 1 RA 2.g (ra-2-g)", "Answer is one of: Severe disease"),
        DiffLine(
            "Criteria",
            "removed",
            "Table 1 RA 2.f (t1-ra_4_6)",
            "ALL of the children: ALL preferred products are not clinically appropriate for the member, AND the "
            "prescriber has provided a complete list of previously tried preferred products for the requested "
            "indication",
        ),
        # RA 2.f's two criteria go with it: the prescriber's statement and the pharmacist's judgement.
        DiffLine(
            "Criteria",
            "removed",
            "Table 1 RA 2.f (t1-ra_4_6_1)",
            "Answer is one of: The prescriber states ALL preferred products are not clinically appropriate for the "
            "member and has provided a complete list of previously tried preferred products for the requested "
            "indication",
        ),
        DiffLine(
            "Criteria",
            "removed",
            "Table 1 RA 2.f (t1-ra_4_6_2)",
            "Refer to a pharmacist (a clause that needs clinical judgement): Whether ALL preferred products are not "
            "clinically appropriate for the member is a clinical judgement: a pharmacist reviews the reasons and the "
            "list",
        ),
    ]


def test_a_criterion_moved_and_made_a_gate_says_both(policy_data):
    copy = _copy(FB)
    CriterionNode.objects.filter(pk=_node(copy, "t1-ra_4_1").pk).update(parent=_node(copy, "t1-ra_3"), gate=True)

    (line,) = versions_diff(old=_original(FB), new=copy)

    assert line.words == (
        "moved from under Table 1 RA 2 (t1-ra_4) to under Table 1 RA 1 (t1-ra_3); "
        "now a gate (the branch applies only when it is met)"
    )


def test_a_drug_removed_from_the_preferred_list_and_its_required_count_are_read(policy_data):
    copy = _copy(FB)
    preferred = DrugList.objects.get(version=copy, code="fb-ra-preferred")
    DrugList.objects.filter(pk=preferred.pk).update(required_count=2)
    DrugListEntry.objects.filter(drug_list=preferred, drug__generic_name="tofacitinib").delete()

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine(
            "Drug lists",
            "changed",
            "Preferred RA products (fb-ra-preferred)",
            "required count: 3 → 2; drugs removed: tofacitinib (Xeljanz)",
        )
    ]


def test_a_removed_drug_list_names_its_drugs(policy_data):
    copy = _copy(FB)
    DrugList.objects.filter(version=copy, code="fb-ra-methotrexate").delete()

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine("Drug lists", "removed", "Methotrexate (fb-ra-methotrexate)", "methotrexate (Rheumatrex)")
    ]


def test_a_quantity_limit_is_matched_by_clause_kind_channel_and_request_type(policy_data):
    copy = _copy(FB)
    QuantityLimit.objects.filter(version=copy, clause="Initiation 5.a").update(quantity=56)

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine(
            "Quantity limits",
            "changed",
            "Initiation 5.a: Fixed quantity per days, any channel, initial",
            "quantity (syringes): 28 → 56",
        )
    ]


def test_an_approval_duration_change_is_read(policy_data):
    copy = _copy(FB)
    ApprovalDuration.objects.filter(version=copy, clause="Continuation, Approval duration").update(months=6)

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine("Approval durations", "changed", "Continuation, Approval duration: renewal", "months: 12 → 6")
    ]


def test_a_weight_table_row_change_names_the_row_and_the_column(policy_data):
    copy = _copy(CIGNA)
    WeightRow.objects.filter(table__version=copy, weight_kg=20).update(retail_quantity=84)

    assert versions_diff(old=_original(CIGNA), new=copy) == [
        DiffLine(
            "Weight tables",
            "changed",
            "Table 1. Kineret Syringe Approval Quantity for CAPS or DIRA (cigna-table-1)",
            "row 20 kg: retail syringes 56 → 84",
        )
    ]


def test_a_diagnosis_status_change_is_read_in_words(policy_data):
    copy = _copy(FB)
    PolicyDiagnosis.objects.filter(version=copy, diagnosis__slug="mis_c").update(status="verify")

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine(
            "Diagnoses",
            "changed",
            "Multisystem inflammatory syndrome in children (MIS-C) associated with SARS-CoV-2",
            "status: a compendia-supported indication → an indication a pharmacist must verify against the compendia",
        )
    ]


def test_a_removed_icd10_code_is_read_with_its_diagnosis(policy_data):
    copy = _copy(FB)
    Icd10Code.objects.filter(version=copy, code_from="D47.2").delete()

    assert versions_diff(old=_original(FB), new=copy) == [
        DiffLine(
            "ICD-10-CM codes",
            "removed",
            "D47.2",
            "Monoclonal gammopathy [for Schnitzler syndrome only] (Schnitzler syndrome)",
        )
    ]
