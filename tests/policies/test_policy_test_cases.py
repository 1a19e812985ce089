"""Test cases as data (fixtures/test_cases/): loaded with the policies, run against any version before publishing.

The expectations in the fixtures are written from the policy texts in /work/shared/policies/; each case names
the clause it is written from.
"""

from __future__ import annotations

import io
import json
import shutil

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kineret_pa.engine.facts import MSG_WEIGHT_REQUIRED
from kineret_pa.engine.request import MSG_UNKNOWN_DRUG
from kineret_pa.policies import models as m
from kineret_pa.policies import testcases as tc
from kineret_pa.policies.loading import FIXTURES, policies_load
from kineret_pa.policies.management.commands import run_policy_tests as command
from kineret_pa.policies.snapshots import cache_clear, revision_bump
from tests.conftest import unmet

pytestmark = pytest.mark.django_db

CIGNA, FEP, FB = "cigna-dqm008", "fep-5.70.050", "floridablue-09-J0000-45"
FB_TWO_PREFERRED = (
    "RA after methotrexate with only Humira and Enbrel tried: denied, THREE preferred products are needed"
)
FB_RINVOQ_TWO_MONTHS = (
    "RA with only 2 months of Rinvoq as the third preferred product: denied, each trial must last 3 months"
)
FB_BASE_RA = (
    "RA after 4 months of methotrexate and 3-month trials of Humira, Enbrel, Rinvoq: approved 28 per 28 days "
    "for 12 months"
)


def _fixture_items() -> list[tuple[str, dict]]:
    return [
        (path.stem, item)
        for path in sorted((FIXTURES / "test_cases").glob("*.json"))
        for item in json.loads(path.read_text(encoding="utf-8"))
    ]


def _fixture_cases() -> list[tuple[str, str]]:
    return [(code, item["name"]) for code, item in _fixture_items()]


def _fixture_refusals() -> list[tuple[str, dict]]:
    return [(code, item) for code, item in _fixture_items() if item["expect"]["decision"] in ("deny", "refer")]


def in_force(code: str) -> m.PolicyVersion:
    return m.PolicyVersion.objects.in_force(timezone.localdate()).select_related("policy").get(policy__code=code)


def run_of(code: str, name: str) -> tuple[tc.TestCaseRun, m.PolicyVersion]:
    version = in_force(code)
    runs = tc.testcases_run(policy=version.policy, versions=[version])
    return next(run for run in runs if run.case.name == name), version


_RUNS: dict[str, tuple[m.PolicyVersion, dict[str, tc.TestCaseRun]]] = {}


def seed_run_of(code: str, name: str) -> tuple[tc.TestCaseRun, m.PolicyVersion]:
    """The seed version's run of one case. Every case of a policy is run once and the runs kept for the module:
    the seed data is the same in every test, and running all cases for each of the hundred parameters took minutes."""
    if code not in _RUNS:
        version = in_force(code)
        runs = tc.testcases_run(policy=version.policy, versions=[version])
        _RUNS[code] = (version, {run.case.name: run for run in runs})
    version, runs = _RUNS[code]
    return runs[name], version


def add_case(code: str, name: str, request: dict, **expected) -> m.PolicyTestCase:
    return m.PolicyTestCase.objects.create(
        policy=m.Policy.objects.get(code=code), name=name, request=request, order=999, **expected
    )


# ------------------------------------------------------------ the fixtures


@pytest.mark.parametrize("code", [CIGNA, FEP, FB])
def test_each_policy_has_at_least_20_cases_loaded(policy_data, code):
    assert m.PolicyTestCase.objects.filter(policy__code=code).count() >= 20


@pytest.mark.parametrize("code, name", _fixture_cases(), ids=[f"{code}: {name}" for code, name in _fixture_cases()])
def test_fixture_case_passes_against_the_seed_version_in_force(policy_data, code, name):
    run, version = seed_run_of(code, name)
    outcome = run.outcomes[version.id]
    assert outcome.passed, outcome.differences
    assert outcome.differences == ()


@pytest.mark.parametrize(
    "code, item", _fixture_refusals(), ids=[f"{code}: {item['name']}" for code, item in _fixture_refusals()]
)
def test_fixture_denial_or_referral_fails_on_the_clause_it_cites(determine, code, item):
    # The decision alone could be right for another reason; the cited clause (or a part of it) must be unmet.
    clause = item["clause"]
    result = determine({**item["request"], "policy": code})
    assert [u for u in unmet(result) if u == clause or u.startswith((f"{clause}.", f"{clause} "))], unmet(result)


def test_cases_are_loaded_in_file_order(policy_data):
    cases = json.loads((FIXTURES / "test_cases" / f"{FB}.json").read_text(encoding="utf-8"))
    loaded = m.PolicyTestCase.objects.filter(policy__code=FB).order_by("order")
    assert [c.name for c in loaded][: len(cases)] == [c["name"] for c in cases]
    first = loaded.get(name=FB_BASE_RA)
    assert (first.order, first.expected_decision, first.expected_quantity, first.expected_per_days) == (
        0,
        "approve",
        28,
        28,
    )
    assert (first.expected_duration_months, first.expected_duration_days, first.clause) == (12, None, "Table 1 RA")


# ------------------------------------------------------------ loading


def test_loading_twice_writes_no_new_history_rows(policy_data):
    history = m.PolicyTestCase.history.model.objects
    before = (m.PolicyTestCase.objects.count(), history.count())
    policies_load()
    policies_load()
    assert (m.PolicyTestCase.objects.count(), history.count()) == before


def test_loading_again_keeps_an_expectation_policy_staff_changed(policy_data):
    case = m.PolicyTestCase.objects.get(policy__code=FB, name=FB_BASE_RA)
    m.PolicyTestCase.objects.filter(pk=case.pk).update(expected_quantity=56)
    policies_load()
    case.refresh_from_db()
    assert case.expected_quantity == 56


def test_loading_with_replace_resets_a_changed_expectation_and_keeps_the_case(policy_data):
    case = m.PolicyTestCase.objects.get(policy__code=FB, name=FB_BASE_RA)
    m.PolicyTestCase.objects.filter(pk=case.pk).update(expected_quantity=56)
    policies_load(replace=True)
    case.refresh_from_db()
    assert case.expected_quantity == 28
    assert m.PolicyTestCase.objects.filter(policy__code=FB, name=FB_BASE_RA).count() == 1


def test_test_cases_for_an_unknown_policy_are_refused(policy_data, tmp_path):
    shutil.copy(FIXTURES / "catalog.json", tmp_path / "catalog.json")
    (tmp_path / "policies").mkdir()
    (tmp_path / "test_cases").mkdir()
    (tmp_path / "test_cases" / "aetna-0001.json").write_text("[]", encoding="utf-8")
    with pytest.raises(ValidationError) as error:
        policies_load(directory=tmp_path)
    assert error.value.messages == ["aetna-0001.json: test cases for unknown policy 'aetna-0001'"]


# ------------------------------------------------------------ the runner


def test_a_policy_change_makes_the_cases_written_against_it_fail_naming_the_clause(policy_data):
    # FB Table 1 RA 2.a: "inadequate response to THREE preferred products"; edited to two, the two cases written
    # from that clause are approved instead of denied.
    version = in_force(FB)
    node = m.CriterionNode.objects.get(version=version, clause="Table 1 RA 2.a")
    m.CriterionNode.objects.filter(pk=node.pk).update(params={**node.params, "min_count": 2})
    revision_bump()  # a queryset update sends no signal
    cache_clear()

    runs = tc.testcases_run(policy=version.policy, versions=[version])
    failing = tc.testcases_failing(runs, version)

    assert {run.case.name for run in failing} == {FB_TWO_PREFERRED, FB_RINVOQ_TWO_MONTHS}
    two_preferred = next(run for run in failing if run.case.name == FB_TWO_PREFERRED).outcomes[version.id]
    assert not two_preferred.passed
    assert (two_preferred.decision, two_preferred.quantity, two_preferred.per_days) == ("approve", 28, 28)
    assert two_preferred.differences == ("expected deny, got approve (met: Table 1 RA 2, Table 1 RA 2.a)",)


def test_an_unexpected_denial_names_the_failed_clause(policy_data):
    add_case(
        FB,
        "Two preferred products, wrongly expected to be approved",
        m.PolicyTestCase.objects.get(policy__code=FB, name=FB_TWO_PREFERRED).request,
        expected_decision="approve",
        expected_quantity=28,
        expected_per_days=28,
        expected_duration_months=12,
    )
    run, version = run_of(FB, "Two preferred products, wrongly expected to be approved")
    assert run.outcomes[version.id].differences == ("expected approve, got deny (unmet: Table 1 RA 2)",)


def test_an_unexpected_quantity_and_duration_are_named_in_words(policy_data):
    add_case(
        FEP,
        "RA renewal, wrongly expected at 28 per 28 days for 12 months",
        m.PolicyTestCase.objects.get(
            policy__code=FEP, name="RA renewal, condition improved on Kineret: approved 84 per 84 days for 18 months"
        ).request,
        expected_decision="approve",
        expected_quantity=28,
        expected_per_days=28,
        expected_duration_months=12,
    )
    run, version = run_of(FEP, "RA renewal, wrongly expected at 28 per 28 days for 12 months")
    assert run.outcomes[version.id].differences == (
        "expected 28 syringes per 28 days, got 84 syringes per 84 days",
        "expected an approval for 12 months, got 18 months",
    )


@pytest.mark.parametrize(
    "code, request_, difference",
    [
        # Cigna: above the base limit, no exception met; the base limit is what stays.
        (
            CIGNA,
            {"diagnosis": "ra", "patient": {"age_years": 40}, "dose": {"quantity": 56, "days_supply": 28}},
            "expected approve, got partial (unmet: Criteria, Drug Quantity Limits)",
        ),
        # Florida Blue: the criteria are met; 56 syringes at 100 mg once daily is above the quantity limit.
        (FB, "RA, 56 syringes for 28 days at 100 mg once daily", "expected approve, got partial (unmet: Initiation 5)"),
    ],
    ids=["cigna", "floridablue"],
)
def test_an_unexpected_partial_names_the_limit_not_the_met_criteria(policy_data, code, request_, difference):
    if isinstance(request_, str):
        request_ = m.PolicyTestCase.objects.get(policy__code=code, name__startswith=request_).request
    add_case(
        code,
        "Above the limit, wrongly expected to be approved",
        request_,
        expected_decision="approve",
        expected_quantity=56,
        expected_per_days=28,
        expected_duration_months=12,
    )
    run, version = run_of(code, "Above the limit, wrongly expected to be approved")
    assert run.outcomes[version.id].differences == (
        difference,
        "expected 56 syringes per 28 days, got 28 syringes per 28 days",
    )


def test_an_invalid_request_is_a_failed_outcome_with_the_input_errors(policy_data):
    add_case(
        CIGNA,
        "NOMID above the base limit without a weight",
        {"diagnosis": "nomid", "dose": {"quantity": 56, "days_supply": 28, "channel": "retail"}},
        expected_decision="approve",
    )
    add_case(
        CIGNA,
        "Unknown drug alongside",
        {"diagnosis": "ra", "concomitant_drugs": ["aspirin"]},
        expected_decision="approve",
    )
    version = in_force(CIGNA)
    runs = {run.case.name: run for run in tc.testcases_run(policy=version.policy, versions=[version])}

    no_weight = runs["NOMID above the base limit without a weight"].outcomes[version.id]
    assert (no_weight.passed, no_weight.decision) == (False, None)
    assert no_weight.differences == (tc.MSG_INVALID.format(path="patient.weight_kg", message=MSG_WEIGHT_REQUIRED),)
    unknown = runs["Unknown drug alongside"].outcomes[version.id]
    assert not unknown.passed
    assert unknown.differences == (
        tc.MSG_INVALID.format(path="concomitant_drugs[0]", message=MSG_UNKNOWN_DRUG.format(name="aspirin")),
    )


def test_a_version_of_another_policy_is_refused(policy_data):
    with pytest.raises(ValueError):
        tc.testcases_run(policy=m.Policy.objects.get(code=CIGNA), versions=[in_force(FEP)])


# ------------------------------------------------------------ changing an expectation


def test_expectation_update_saves_it_and_records_who_on_the_history(policy_data, policy_staff):
    case = m.PolicyTestCase.objects.get(policy__code=FB, name=FB_BASE_RA)
    tc.testcase_expectation_update(
        case=case,
        user=policy_staff,
        decision="partial",
        quantity=14,
        per_days=28,
        duration_months=None,
        duration_days=30,
    )
    case.refresh_from_db()
    assert (case.expected_decision, case.expected_quantity, case.expected_per_days) == ("partial", 14, 28)
    assert (case.expected_duration_months, case.expected_duration_days) == (None, 30)
    latest = case.history.first()
    assert latest.history_user == policy_staff
    assert latest.expected_decision == "partial"


def test_expectation_with_months_and_days_is_refused(policy_data, policy_staff):
    case = m.PolicyTestCase.objects.get(policy__code=FB, name=FB_BASE_RA)
    with pytest.raises(ValidationError) as error:
        tc.testcase_expectation_update(
            case=case,
            user=policy_staff,
            decision="approve",
            quantity=28,
            per_days=28,
            duration_months=12,
            duration_days=30,
        )
    assert error.value.messages == [tc.MSG_BOTH_DURATIONS]


def test_expectation_with_an_unknown_decision_is_refused(policy_data, policy_staff):
    case = m.PolicyTestCase.objects.get(policy__code=FB, name=FB_BASE_RA)
    with pytest.raises(ValidationError):
        tc.testcase_expectation_update(
            case=case,
            user=policy_staff,
            decision="maybe",
            quantity=None,
            per_days=None,
            duration_months=None,
            duration_days=None,
        )


# ------------------------------------------------------------ the command


def test_command_passes_every_loaded_case_and_exits_0(policy_data):
    out = io.StringIO()
    call_command("run_policy_tests", stdout=out)  # returns: exit status 0
    lines = out.getvalue().splitlines()
    total = m.PolicyTestCase.objects.count()
    assert lines[-1] == command.MSG_COUNT.format(passed=total, failed=0, total=total)
    assert sum(line.startswith("PASS  ") for line in lines) == total
    assert command.MSG_PASS.format(name=FB_BASE_RA) in lines


def test_command_exits_1_and_names_the_failing_case(policy_data):
    m.PolicyTestCase.objects.filter(policy__code=FB, name=FB_BASE_RA).update(expected_quantity=56)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("run_policy_tests", FB, stdout=out)
    assert exit_.value.code == 1
    lines = out.getvalue().splitlines()
    total = m.PolicyTestCase.objects.filter(policy__code=FB).count()
    assert lines[0] == command.MSG_HEADING.format(version=in_force(FB), n=total)
    assert (
        command.MSG_FAIL.format(
            name=FB_BASE_RA, differences="expected 56 syringes per 28 days, got 28 syringes per 28 days"
        )
        in lines
    )
    assert lines[-1] == command.MSG_COUNT.format(passed=total - 1, failed=1, total=total)


def test_command_runs_the_named_version(policy_data):
    version = in_force(CIGNA)
    out = io.StringIO()
    call_command("run_policy_tests", "--version", str(version.pk), stdout=out)
    total = m.PolicyTestCase.objects.filter(policy__code=CIGNA).count()
    assert out.getvalue().splitlines()[0] == command.MSG_HEADING.format(version=version, n=total)


def test_command_refuses_an_unknown_policy(policy_data):
    with pytest.raises(CommandError) as error:
        call_command("run_policy_tests", "aetna-0001", stdout=io.StringIO())
    assert str(error.value) == command.MSG_UNKNOWN_POLICY.format(codes="aetna-0001")
