"""Test cases as data: named requests with the outcome policy staff expect, run against policy versions.

Each case is decided by the engine itself against each version's snapshot, as on the version's effective
date, so a draft is checked before it is published exactly as it would decide once in force.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from kineret_pa.engine import Determination, Request, Snapshot, decide, parse_request
from kineret_pa.engine.evaluate import Evaluation, Result
from kineret_pa.engine.vocabulary import NOT_MET, REFER

from .models import Policy, PolicyTestCase, PolicyVersion
from .snapshots import PolicyData, policy_data_get

MSG_DECISION = "expected {expected}, got {got}"
MSG_UNMET = "{difference} (unmet: {clauses})"
MSG_MET = "{difference} (met: {clauses})"
MSG_QUANTITY = "expected {expected}, got {got}"
MSG_DURATION = "expected an approval for {expected}, got {got}"
MSG_INVALID = "the request is not valid: {path}: {message}"
MSG_WRONG_POLICY = "{version} is not a version of {policy}."
MSG_BOTH_DURATIONS = "Give the expected duration in months or in days, not both."
QUANTITY_WORDS = "{quantity} syringes per {days} days"
NO_LIMIT_WORDS = "no quantity limit"
NO_DURATION_WORDS = "no duration"

GRANTED = (PolicyTestCase.Decision.APPROVE, PolicyTestCase.Decision.PARTIAL)


@dataclass(frozen=True)
class Outcome:
    """What one version decided for one case, and how that differs from the expectation."""

    decision: str | None  # None: the case's request is not valid
    quantity: int | None
    per_days: int | None
    duration: dict[str, int] | None
    passed: bool
    differences: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestCaseRun:
    __test__ = False  # a result, not a test class for pytest to collect

    case: PolicyTestCase
    outcomes: dict[int, Outcome]  # by version id

    @property
    def passed(self) -> bool:
        return all(outcome.passed for outcome in self.outcomes.values())


def testcases_run(
    *, policy: Policy, versions: Sequence[PolicyVersion], policy_data: PolicyData | None = None
) -> list[TestCaseRun]:
    """Every case of the policy, in order, decided by each version."""
    for version in versions:
        if version.policy_id != policy.pk:
            raise ValueError(MSG_WRONG_POLICY.format(version=version, policy=policy.code))
    policy_data = policy_data if policy_data is not None else policy_data_get()
    snapshots = {version.id: policy_data.snapshot(version.id) for version in versions}
    return [
        TestCaseRun(
            case,
            {
                version.id: _outcome(case=case, version=version, snap=snapshots[version.id], policy_data=policy_data)
                for version in versions
            },
        )
        for case in policy.test_cases.order_by("order", "name")
    ]


def testcases_failing(runs: Sequence[TestCaseRun], version: PolicyVersion) -> list[TestCaseRun]:
    return [run for run in runs if not run.outcomes[version.id].passed]


def testcase_expectation_update(
    *,
    case: PolicyTestCase,
    user,
    decision: str,
    quantity: int | None,
    per_days: int | None,
    duration_months: int | None,
    duration_days: int | None,
) -> PolicyTestCase:
    """Record a new expected outcome, with who changed it on the case's history."""
    if duration_months and duration_days:
        raise ValidationError({"expected_duration_days": MSG_BOTH_DURATIONS})
    case.expected_decision = decision
    case.expected_quantity = quantity
    case.expected_per_days = per_days
    case.expected_duration_months = duration_months
    case.expected_duration_days = duration_days
    case.full_clean()
    case._history_user = user  # simple_history puts this user on the history row of the save
    case.save()
    return case


# pytest collects any imported function whose name starts with "test"; these are services.
for _service in (testcases_run, testcases_failing, testcase_expectation_update):
    _service.__test__ = False
del _service


def _outcome(*, case: PolicyTestCase, version: PolicyVersion, snap: Snapshot, policy_data: PolicyData) -> Outcome:
    # Decided by this version's snapshot, as on its effective date (a case names no date of service).
    data = {**case.request, "policy": snap.policy_code} if isinstance(case.request, dict) else case.request
    request, errors = parse_request(data, policy_data.catalog, today=version.effective_date)
    determination = None
    if not errors:
        determination, errors = decide(snap, request)
    if errors:
        invalid = tuple(
            MSG_INVALID.format(path=path, message=message) for path, messages in errors.items() for message in messages
        )
        return Outcome(None, None, None, None, False, invalid)
    differences = tuple(_differences(case, determination, snap, request))
    return Outcome(
        determination.decision,
        determination.approved_quantity,
        determination.per_days,
        determination.duration,
        not differences,
        differences,
    )


def _differences(case: PolicyTestCase, got: Determination, snap: Snapshot, request: Request) -> list[str]:
    found = []
    if got.decision != case.expected_decision:
        found.append(_decision_difference(case, got, snap, request))
    # Quantity and duration matter only when both sides grant something; a wrong decision says the rest.
    if got.decision in GRANTED and case.expected_decision in GRANTED:
        expected = _grant_words(case.expected_quantity, case.expected_per_days)
        granted = _grant_words(got.approved_quantity, got.per_days)
        if expected != granted:
            found.append(MSG_QUANTITY.format(expected=expected, got=granted))
        expected = _duration_words(_expected_duration(case))
        lasting = _duration_words(got.duration)
        if expected != lasting:
            found.append(MSG_DURATION.format(expected=expected, got=lasting))
    return found


def _decision_difference(case: PolicyTestCase, got: Determination, snap: Snapshot, request: Request) -> str:
    difference = MSG_DECISION.format(expected=case.expected_decision, got=got.decision)
    if got.decision == PolicyTestCase.Decision.APPROVE:
        # Nothing failed: name what the case was written to fail on, now met.
        met = [r.clause for r in got.reasons if r.met and _within(r.clause, case.clause)]
        return MSG_MET.format(difference=difference, clauses=", ".join(dict.fromkeys(met))) if met else difference
    unmet = _unmet_clauses(got, snap, request)
    return MSG_UNMET.format(difference=difference, clauses=", ".join(unmet)) if unmet else difference


def _within(label: str, clause: str) -> bool:
    """Whether a reason's clause is the case's clause or one of its parts ("Table 1 RA 2.a" of "Table 1 RA 2")."""
    return bool(clause) and (label == clause or label.startswith((f"{clause}.", f"{clause} ", f"{clause},")))


def _unmet_clauses(got: Determination, snap: Snapshot, request: Request) -> list[str]:
    """The clauses a pharmacist would name for the failure: where the criteria tree failed, then the limits."""
    names: list[str] = []
    shown = 0
    root = snap.roots.get(request.request_type)
    if root is not None:
        # The determination's reasons are flat; the evaluation gives the tree they were shown from.
        evaluation = Evaluation(snap, request)
        result = evaluation.node(root)
        evaluation.show(result)
        shown = len(evaluation.reasons)
        if result.status in (NOT_MET, REFER):
            names = _failures(result)[1]
    names += [reason.clause for reason in got.reasons[shown:] if not reason.met]
    return list(dict.fromkeys(names))


def _failures(result: Result) -> tuple[int, list[str]]:
    """(depth, clauses) of what failed below an unmet result.

    Down through every unmet part of an ALL; under a failed ANY, only the deepest alternatives (the branch
    for the request's diagnosis goes deeper than the one-line alternatives beside it), and the ANY itself
    when all its alternatives are single criteria: "Table 1 RA 2", not each of 2.a to 2.f."""
    node = result.node
    failed = [r for r in result.children if r.status in (NOT_MET, REFER) and not r.node.gate]
    if not failed:
        return 0, [node.clause]
    paths = [_failures(r) for r in failed]
    if all(clauses == [node.clause] for _, clauses in paths):
        # Parts written under the node's own clause (RA 2.f: the prescriber's statement and a pharmacist's
        # judgement of it) are one clause of the text, as a single criterion would be.
        return 0, [node.clause]
    if node.kind in ("any", "at_least"):
        deepest = max(depth for depth, _ in paths)
        if deepest == 0:
            return 0, [node.clause]
        paths = [path for path in paths if path[0] == deepest]
    return max(depth for depth, _ in paths) + 1, [clause for _, clauses in paths for clause in clauses]


def _expected_duration(case: PolicyTestCase) -> dict[str, int] | None:
    if case.expected_duration_months:
        return {"months": case.expected_duration_months}
    if case.expected_duration_days:
        return {"days": case.expected_duration_days}
    return None


def _grant_words(quantity: int | None, per_days: int | None) -> str:
    return NO_LIMIT_WORDS if quantity is None else QUANTITY_WORDS.format(quantity=quantity, days=per_days)


def _duration_words(duration: dict[str, int] | None) -> str:
    if not duration:
        return NO_DURATION_WORDS
    unit, n = next(iter(duration.items()))
    return f"{n} {unit if n != 1 else unit.rstrip('s')}"
