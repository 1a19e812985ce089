"""Whole-tree checks of a version's criteria (issue 14 §2): each problem found, on the criterion to change.

Keys and clauses below are the seed policies' own (fixtures/policies/*.json; the loader names a criterion without
a key after its parent: the fourth criterion under FEP's "pa-all" is "pa-all_4").
"""

import pytest
from django.core.exceptions import ValidationError

from kineret_pa.policies.checks import (
    MSG_AT_LEAST_TOO_MANY,
    MSG_INDICATION_UNREACHABLE,
    MSG_INNER_EMPTY,
    MSG_LEAF_CHILDREN,
    MSG_NODE_PARAMS,
    MSG_NOT_CHILDREN,
    MSG_PARENT_CYCLE,
    MSG_REF_CYCLE,
    MSG_REF_UNKNOWN,
    MSG_ROOT_DUPLICATE,
    MSG_ROOT_MISSING,
    MSG_UNREACHABLE,
    TreeProblem,
    version_problems,
)
from kineret_pa.policies.models import MSG_ROOT_TAKEN, CriterionNode, PolicyVersion

CIGNA, FEP, FLORIDA_BLUE = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"


def _version(code: str) -> PolicyVersion:
    return PolicyVersion.objects.get(policy__code=code)


def _node(version: PolicyVersion, key: str) -> CriterionNode:
    return CriterionNode.objects.get(version=version, key=key)


def _problem(key: str | None, clause: str, message: str, **words) -> TreeProblem:
    return TreeProblem(key, clause, message.format(key=key, clause=clause, **words))


@pytest.mark.parametrize("code", [CIGNA, FEP, FLORIDA_BLUE])
def test_the_seed_versions_have_no_problems(policy_data, code):
    assert version_problems(version=_version(code)) == []


# ---------------------------------------------------------------- roots


def test_a_second_empty_root_for_initial_saved_past_its_form_is_reported_on_both_roots(policy_data):
    # The "stray root" bug: an empty ALL marked as root for initial replaced FEP's criteria and approved everything.
    fep = _version(FEP)
    CriterionNode.objects.create(
        version=fep, key="stray", clause="Draft", text="Draft", kind="all", root_for="initial", order=9
    )
    assert version_problems(version=fep) == [
        _problem(
            "fep-initial",
            "Prior-Approval Requirements",
            MSG_ROOT_DUPLICATE,
            request_type="initial",
            others="“Draft” (stray)",
        ),
        _problem(
            "stray",
            "Draft",
            MSG_ROOT_DUPLICATE,
            request_type="initial",
            others="“Prior-Approval Requirements” (fep-initial)",
        ),
        _problem("stray", "Draft", MSG_INNER_EMPTY, kind="ALL of"),
    ]


def test_second_root_for_initial_is_refused_on_save(policy_data):
    fep = _version(FEP)
    stray = CriterionNode(version=fep, key="stray", clause="Draft", text="Draft", kind="all", root_for="initial")
    with pytest.raises(ValidationError) as refused:
        stray.full_clean()
    assert refused.value.message_dict["root_for"] == [
        MSG_ROOT_TAKEN.format(request_types="Initial", clause="Prior-Approval Requirements", key="fep-initial")
    ]


def test_a_root_for_both_request_types_is_refused_beside_an_initial_root(policy_data):
    fep = _version(FEP)
    stray = CriterionNode(version=fep, key="stray", clause="Draft", text="Draft", kind="all", root_for="both")
    with pytest.raises(ValidationError) as refused:
        stray.full_clean()
    assert refused.value.message_dict["root_for"] == [
        MSG_ROOT_TAKEN.format(request_types="Initial", clause="Prior-Approval Requirements", key="fep-initial")
    ]


def test_the_existing_root_saves_again_without_complaint(policy_data):
    _node(_version(FEP), "fep-initial").full_clean()


def test_a_prior_approval_version_without_a_renewal_root_is_reported(policy_data):
    fep = _version(FEP)
    CriterionNode.objects.filter(version=fep, key="fep-renewal").update(root_for="")
    assert version_problems(version=fep) == [
        _problem(None, "", MSG_ROOT_MISSING, request_type="renewal"),
        _problem("fep-renewal", "Prior-Approval Renewal Requirements", MSG_UNREACHABLE),
    ]


# ---------------------------------------------------------------- reachable


def test_a_top_level_criterion_no_root_or_limit_names_is_reported_as_never_checked(policy_data):
    fep = _version(FEP)
    CriterionNode.objects.create(
        version=fep,
        key="loose",
        clause="Prior-Approval Requirements, AND ALL 6",
        text="Not to be used with live vaccines",
        kind="fact_in",
        params={"fact": "screening.live_vaccine", "values": [False]},
        order=9,
    )
    assert version_problems(version=fep) == [
        _problem("loose", "Prior-Approval Requirements, AND ALL 6", MSG_UNREACHABLE)
    ]


# ---------------------------------------------------------------- cycles and "Same as"


def test_a_criterion_moved_under_its_own_branch_is_a_cycle(policy_data):
    fep = _version(FEP)
    dx_1e = _node(fep, "pa-dx-1_6")  # Diagnoses 1.e, under Diagnoses 1
    CriterionNode.objects.filter(pk=_node(fep, "pa-dx-1").pk).update(parent_id=dx_1e.pk)
    # RA stays reachable: the renewal criteria name it too.
    assert version_problems(version=fep) == [
        _problem("pa-dx-1", "Prior-Approval Requirements, Diagnoses 1", MSG_PARENT_CYCLE),
        _problem("pa-dx-1_6", "Prior-Approval Requirements, Diagnoses 1.e", MSG_PARENT_CYCLE),
    ]


def test_a_same_as_naming_no_criterion_is_reported(policy_data):
    florida_blue = _version(FLORIDA_BLUE)
    CriterionNode.objects.filter(version=florida_blue, key="cont-initiation_2").update(params={"node": "fb-initial"})
    assert version_problems(version=florida_blue) == [
        _problem("cont-initiation_2", "Continuation 1", MSG_REF_UNKNOWN, target="fb-initial")
    ]


def test_a_same_as_naming_the_branch_it_is_in_is_a_cycle(policy_data):
    florida_blue = _version(FLORIDA_BLUE)
    CriterionNode.objects.filter(version=florida_blue, key="cont-initiation_2").update(params={"node": "fb-cont"})
    assert version_problems(version=florida_blue) == [
        _problem("cont-initiation_2", "Continuation 1", MSG_REF_CYCLE, target="fb-cont")
    ]


def test_same_as_criteria_leading_back_through_each_other_are_cycles(policy_data):
    # Continuation 1 is "same as" the initiation criteria; one of those now "same as" the continuation criteria.
    florida_blue = _version(FLORIDA_BLUE)
    CriterionNode.objects.create(
        version=florida_blue,
        parent=_node(florida_blue, "init"),
        key="init-6",
        clause="Initiation 6",
        text="Meets the continuation criteria",
        kind="ref",
        params={"node": "fb-cont"},
        order=6,
    )
    assert version_problems(version=florida_blue) == [
        _problem("cont-initiation_2", "Continuation 1", MSG_REF_CYCLE, target="fb-init"),
        _problem("init-6", "Initiation 6", MSG_REF_CYCLE, target="fb-cont"),
    ]


# ---------------------------------------------------------------- shape


def test_a_not_with_two_criteria_under_it_is_reported(policy_data):
    florida_blue = _version(FLORIDA_BLUE)
    CriterionNode.objects.create(
        version=florida_blue,
        parent=_node(florida_blue, "t1-other_1"),
        key="t1-other_1_2",
        clause="Table 1 Other indications",
        text="Not CAPS",
        kind="diagnosis_in",
        params={"diagnoses": ["caps"]},
        order=2,
    )
    assert version_problems(version=florida_blue) == [
        _problem("t1-other_1", "Table 1 Other indications", MSG_NOT_CHILDREN, count=2)
    ]


def test_at_least_asking_for_more_criteria_than_it_has_is_reported(policy_data):
    # Initiation 1.c.i holds the six rows of Table 1: RA, DIRA, NOMID, MIS-C, COVID-19, other indications.
    florida_blue = _version(FLORIDA_BLUE)
    CriterionNode.objects.filter(version=florida_blue, key="init-1c-i").update(kind="at_least", params={"n": 7})
    assert version_problems(version=florida_blue) == [
        _problem("init-1c-i", "Initiation 1.c.i", MSG_AT_LEAST_TOO_MANY, n=7, count=6)
    ]


def test_a_single_test_with_a_criterion_under_it_is_reported(policy_data):
    fep = _version(FEP)
    CriterionNode.objects.create(
        version=fep,
        parent=_node(fep, "pa-all_1"),  # AND ALL 1: tuberculosis screening
        key="pa-all_1_1",
        clause="Prior-Approval Requirements, AND ALL 1",
        text="Chest X-ray",
        kind="fact_in",
        params={"fact": "screening.tb", "values": ["negative"]},
    )
    assert version_problems(version=fep) == [
        _problem(
            "pa-all_1", "Prior-Approval Requirements, AND ALL 1", MSG_LEAF_CHILDREN, label="Answer is one of", count=1
        )
    ]


# ---------------------------------------------------------------- indications


def test_a_covered_indication_no_criterion_names_is_reported(policy_data):
    # FEP covers sJIA (Off-Label Uses 2-6); Diagnoses 4 names it, for initial and for renewal requests.
    fep = _version(FEP)
    CriterionNode.objects.filter(version=fep, key__in=["pa-dx-4_1", "rn-dx-4_1"]).update(params={"diagnoses": ["aosd"]})
    assert version_problems(version=fep) == [
        _problem(
            None,
            "Off-Label Uses (2-6)",
            MSG_INDICATION_UNREACHABLE,
            diagnosis="Systemic juvenile idiopathic arthritis (sJIA)",
            status="Compendia-supported",
        )
    ]


def test_a_covered_indication_named_for_one_request_type_is_reachable(policy_data):
    fep = _version(FEP)
    CriterionNode.objects.filter(version=fep, key="rn-dx-4_1").update(params={"diagnoses": ["aosd"]})
    assert version_problems(version=fep) == []


# ---------------------------------------------------------------- what criteria name


def test_a_criterion_naming_a_drug_list_that_does_not_exist_is_reported(policy_data):
    fep = _version(FEP)
    CriterionNode.objects.filter(version=fep, key="pa-all_4").update(
        params={"lists": ["fep-app2-biologic", "fep-app9"]}
    )
    assert version_problems(version=fep) == [
        _problem(
            "pa-all_4",
            "Prior-Approval Requirements, AND ALL 4",
            MSG_NODE_PARAMS,
            problem="Unknown drug list codes in “lists”: fep-app9.",
        )
    ]


def test_the_checks_read_a_version_in_a_few_queries_whatever_its_size(policy_data, django_assert_max_num_queries):
    florida_blue = _version(FLORIDA_BLUE)  # some 150 criteria
    with django_assert_max_num_queries(7):
        version_problems(version=florida_blue)
