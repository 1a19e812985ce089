"""Impact replay: a draft of Florida Blue's policy decided on the requests already submitted under it.

The draft lowers Table 1 RA 2.a from THREE preferred products to TWO. Expected decisions are read from
/work/shared/policies/floridablue-09-J0000-45-anakinra.txt: an RA request after methotrexate and an
inadequate response to two preferred products (3 months each) meets none of RA 2.a–f today (2.a needs
three; 2.b also an intolerance; 2.c two intolerances), so it pends; under the draft it meets 2.a and is
approved at the quantity limit, 28 per 28 days (Initiation 5.a), for 12 months.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kineret_pa.engine.request import MSG_UNKNOWN_DRUG
from kineret_pa.pa_requests import impact
from kineret_pa.pa_requests.impact import CLAUSE_UNKNOWN, ImpactFailure, Outcome, impact_replay
from kineret_pa.pa_requests.management.commands.policy_impact import (
    MSG_BAD_DATE,
    MSG_DATES_REVERSED,
    MSG_NO_VERSION,
    MSG_OTHER_POLICY,
)
from kineret_pa.pa_requests.models import PARequest
from kineret_pa.policies.models import CriterionNode, PolicyVersion, QuantityLimit
from kineret_pa.policies.services import MSG_UNKNOWN_POLICY
from kineret_pa.policies.snapshots import policy_data_get
from kineret_pa.policies.versions import version_copy_as_draft
from tests.conftest import CIGNA, FB_RA, build
from tests.review.support import submitted

FB = "floridablue-09-J0000-45"

TWO_PREFERRED = build(
    FB_RA,
    prior_therapies=[
        {"drug": "methotrexate", "months": 4, "outcome": "inadequate_response"},
        {"drug": "Humira", "months": 3, "outcome": "inadequate_response"},
        {"drug": "Enbrel", "months": 3, "outcome": "inadequate_response"},
    ],
)
THREE_PREFERRED = build(FB_RA)  # Humira, Enbrel, Rinvoq: RA 2.a met under both
MILD_TWO_PREFERRED = build(TWO_PREFERRED, severity="mild")  # Table 1 RA needs moderate to severe: pends under both
TWO_MONTHS_SUPPLY = build(FB_RA, **{"dose.quantity": 56})  # 56 per 28 days at 100 mg daily: partial, 28 per 28

PENDED = Outcome("deny")
APPROVED_28 = Outcome("approve", 28, 28, duration_months=12)


@pytest.fixture(scope="module")
def draft(django_db_setup, django_db_blocker):
    """A copy of the version in force as a draft effective 2027-01-01 where RA 2.a needs TWO preferred products.
    Copied once for the module (a copy takes seconds) and removed after it; each test's edits roll back."""
    with django_db_blocker.unblock():
        in_force = PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))
        made = version_copy_as_draft(version=in_force, effective_date=dt.date(2027, 1, 1), user=None)
        node = CriterionNode.objects.get(version=made, clause="Table 1 RA 2.a")
        node.params = {**node.params, "min_count": 2}
        node.save()
    yield made
    with django_db_blocker.unblock():
        QuantityLimit.objects.filter(version=made).delete()  # limits protect their weight tables and criteria
        made.delete()


def _submitted_on(owner, data: dict, day: dt.date) -> PARequest:
    pa = submitted(owner, data)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())
    PARequest.objects.filter(pk=pa.pk).update(submitted_at=noon)
    return pa


@pytest.fixture
def past(prescriber, policy_data):
    """Four Florida Blue requests and a Cigna one, submitted in March, April and May 2026."""
    return {
        "two_preferred": _submitted_on(prescriber, TWO_PREFERRED, dt.date(2026, 3, 10)),
        "three_preferred": _submitted_on(prescriber, THREE_PREFERRED, dt.date(2026, 4, 2)),
        "mild": _submitted_on(prescriber, MILD_TWO_PREFERRED, dt.date(2026, 4, 20)),
        "partial": _submitted_on(prescriber, TWO_MONTHS_SUPPLY, dt.date(2026, 5, 5)),
        "cigna": _submitted_on(prescriber, CIGNA, dt.date(2026, 5, 6)),
    }


def test_the_stored_decisions_are_those_the_policy_text_gives(past):
    decisions = {name: pa.determination["decision"] for name, pa in past.items()}
    assert decisions == {
        "two_preferred": "deny",
        "three_preferred": "approve",
        "mild": "deny",
        "partial": "partial",
        "cigna": "approve",
    }


def test_two_preferred_products_flip_from_pended_to_approved_under_the_draft(past, draft):
    report = impact_replay(version=draft)

    assert (report.total, report.unchanged, report.changed, report.could_not_replay) == (4, 3, 1, 0)
    [change] = report.changes
    assert change.request_id == past["two_preferred"].pk
    assert (change.old, change.new) == (PENDED, APPROVED_28)
    assert change.decision_words == "deny → approve"
    assert change.quantity_words == "no quantity → 28 per 28 days"
    assert change.duration_words == "no duration → 12 months"


def test_the_flip_is_put_down_to_ra_2a_the_deepest_clause_whose_result_changed(past, draft):
    # Position Statement, Initiation, 1, 1.c, 1.c.i, Table 1 RA and RA 2 changed with it, higher in the tree.
    report = impact_replay(version=draft)

    assert report.changes[0].clause == "Table 1 RA 2.a"
    assert report.by_clause == {"Table 1 RA 2.a": {"deny → approve": 1}}


def test_the_version_in_force_replays_every_request_unchanged(past):
    in_force = PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))

    report = impact_replay(version=in_force)

    assert (report.total, report.unchanged, report.changes, report.by_clause) == (4, 4, (), {})


def test_requests_of_other_policies_are_not_replayed(past, draft):
    cigna = PolicyVersion.objects.get(policy__code="cigna-dqm008")

    assert impact_replay(version=cigna).total == 1
    assert past["cigna"].pk not in {change.request_id for change in impact_replay(version=draft).changes}


def test_requests_still_in_draft_are_not_replayed(prescriber, draft, policy_data):
    from kineret_pa.pa_requests.services import pa_request_create

    pa_request_create(owner=prescriber)

    assert impact_replay(version=draft).total == 0


def test_since_leaves_out_requests_submitted_before_it(past, draft):
    report = impact_replay(version=draft, since=dt.date(2026, 3, 11))

    assert (report.total, report.changed) == (3, 0)


def test_until_leaves_out_requests_submitted_after_it_and_both_days_count(past, draft):
    report = impact_replay(version=draft, since=dt.date(2026, 3, 10), until=dt.date(2026, 4, 2))

    assert (report.total, report.changed) == (2, 1)


def test_a_request_that_no_longer_validates_could_not_be_replayed_with_its_messages(past, draft):
    stored = copy.deepcopy(past["three_preferred"].contract_request)
    stored["prior_therapies"][1]["drug"] = "Oldmab"  # a name the catalog no longer knows
    PARequest.objects.filter(pk=past["three_preferred"].pk).update(contract_request=stored)

    report = impact_replay(version=draft)

    assert (report.total, report.unchanged, report.changed, report.could_not_replay) == (4, 2, 1, 1)
    assert report.failures == (
        ImpactFailure(
            past["three_preferred"].pk, ("prior_therapies[1].drug: " + MSG_UNKNOWN_DRUG.format(name="Oldmab"),)
        ),
    )


def test_a_quantity_change_is_put_down_to_the_quantity_limit_clause(past, draft):
    # The initiation limit raised to 56 per 28 days: 56 syringes are approved in full, and 5.a authorizes the
    # limit itself, so the 28-syringe approval becomes 56 too.
    draft.quantitylimit_set.filter(clause="Initiation 5.a").update(quantity=56)

    report = impact_replay(version=draft)

    changes = {change.request_id: (change.old, change.new, change.clause) for change in report.changes}
    assert changes[past["partial"].pk] == (
        Outcome("partial", 28, 28, duration_months=12),
        Outcome("approve", 56, 28, duration_months=12),
        "Initiation 5.a",
    )
    assert changes[past["three_preferred"].pk] == (
        APPROVED_28,
        Outcome("approve", 56, 28, duration_months=12),
        "Initiation 5.a",
    )
    # The clause that changed most requests first.
    assert list(report.by_clause.items()) == [
        ("Initiation 5.a", {"approve: quantity changed": 1, "partial → approve": 1}),
        ("Table 1 RA 2.a", {"deny → approve": 1}),
    ]


def test_a_duration_change_is_put_down_to_the_duration_clause(past, draft):
    draft.approvalduration_set.filter(request_type="initial").update(months=6)

    report = impact_replay(version=draft)

    # The two approvals (three preferred products; 56 syringes, partial) now last 6 months.
    assert report.by_clause == {
        "Initiation, Approval duration": {"approve: duration changed": 1, "partial: duration changed": 1},
        "Table 1 RA 2.a": {"deny → approve": 1},
    }
    durations = {change.request_id: change.duration_words for change in report.changes}
    assert durations[past["partial"].pk] == "12 months → 6 months"
    assert durations[past["two_preferred"].pk] == "no duration → 6 months"


def test_a_referral_that_becomes_a_denial_is_put_down_to_the_clause_whose_finding_changed(prescriber, draft):
    # An indication outside Table 1 that the pharmacist verifies is referred (Table 1 Other indications); once
    # the draft lists it as not covered, the request is denied. Refer and deny are both "not met": the finding
    # of the clause changed, not its met status.
    unlisted = build(FB_RA, diagnosis="other", severity=None, prior_therapies=[], concomitant_drugs=[])
    pa = _submitted_on(prescriber, unlisted, dt.date(2026, 4, 1))
    draft.policydiagnosis_set.filter(diagnosis__slug="other").update(status="not_covered")

    report = impact_replay(version=draft)

    [change] = report.changes
    assert (change.request_id, change.decision_words) == (pa.pk, "refer → deny")
    assert change.clause == "Table 1 Other indications"


def test_a_decision_change_with_no_clause_changed_names_none(past):
    # A stored denial with the reasons of an approval: no clause explains the difference.
    stored = dict(past["three_preferred"].determination, decision="deny")
    PARequest.objects.filter(pk=past["three_preferred"].pk).update(determination=stored)
    in_force = PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))

    report = impact_replay(version=in_force)

    assert report.by_clause == {CLAUSE_UNKNOWN: {"deny → approve": 1}}


def test_the_number_of_queries_does_not_grow_with_the_number_of_requests(past, draft, prescriber):
    policy_data = policy_data_get()
    impact_replay(version=draft, policy_data=policy_data)  # the snapshot compiled once, as a command run pays it
    with CaptureQueriesContext(connection) as few:
        impact_replay(version=draft, policy_data=policy_data)
    for day in range(1, 7):
        _submitted_on(prescriber, TWO_PREFERRED, dt.date(2026, 6, day))
    with CaptureQueriesContext(connection) as more:
        report = impact_replay(version=draft, policy_data=policy_data)

    # One query for the requests, one for the stored reasons of those that changed.
    assert (report.total, report.changed) == (10, 7)
    assert len(few.captured_queries) == len(more.captured_queries) == 2


def test_nothing_changed_costs_one_query(past):
    in_force = PolicyVersion.objects.get(policy__code=FB, effective_date=dt.date(2026, 1, 1))
    policy_data = policy_data_get()
    policy_data.snapshot(in_force.pk)
    with CaptureQueriesContext(connection) as queries:
        impact_replay(version=in_force, policy_data=policy_data)

    assert len(queries.captured_queries) == 1


def test_two_workers_give_the_same_report_as_one(past, draft, monkeypatch):
    monkeypatch.setattr(impact, "CHUNK_SIZE", 1)  # a chunk a request: four chunks shared between the workers

    assert impact_replay(version=draft, workers=2) == impact_replay(version=draft, workers=1)


def test_the_command_prints_the_counts_and_the_clause_table(past, draft):
    out = io.StringIO()

    call_command("policy_impact", FB, version=str(draft.pk), stdout=out)

    assert out.getvalue().splitlines() == [
        f"{FB}, version 2027-01-01 (draft)",
        "Replayed: 4",
        "Unchanged: 3",
        "Changed: 1",
        "Could not replay: 0",
        "",
        "Clause          Change          Requests",
        "Table 1 RA 2.a  deny → approve  1",
    ]


def test_the_command_takes_dates_and_two_workers(past, draft):
    out = io.StringIO()

    call_command("policy_impact", FB, "--version", str(draft.pk), "--since", "2026-04-01", "--workers", "2", stdout=out)

    assert out.getvalue().splitlines()[:5] == [
        f"{FB}, version 2027-01-01 (draft), requests submitted from 2026-04-01 to the last",
        "Replayed: 3",
        "Unchanged: 3",
        "Changed: 0",
        "Could not replay: 0",
    ]


def test_the_command_lists_the_requests_it_could_not_replay(past, draft):
    stored = copy.deepcopy(past["mild"].contract_request)
    stored["concomitant_drugs"] = ["Oldmab"]
    PARequest.objects.filter(pk=past["mild"].pk).update(contract_request=stored)
    out = io.StringIO()

    call_command("policy_impact", FB, version=str(draft.pk), stdout=out)

    lines = out.getvalue().splitlines()
    assert "Could not replay: 1" in lines
    assert lines[-1] == f"{past['mild'].number}: concomitant_drugs[0]: " + MSG_UNKNOWN_DRUG.format(name="Oldmab")


def test_the_command_refuses_an_unknown_policy(draft, policy_data):
    with pytest.raises(CommandError) as refused:
        call_command("policy_impact", "fb-nope", version=str(draft.pk))
    assert str(refused.value) == MSG_UNKNOWN_POLICY.format(code="fb-nope")


def test_the_command_refuses_a_version_of_another_policy(draft, policy_data):
    message = MSG_OTHER_POLICY.format(id=draft.pk, other=FB, code="cigna-dqm008")
    with pytest.raises(CommandError) as refused:
        call_command("policy_impact", "cigna-dqm008", version=str(draft.pk))
    assert str(refused.value) == message


def test_the_command_refuses_a_version_that_does_not_exist(policy_data):
    with pytest.raises(CommandError) as refused:
        call_command("policy_impact", FB, version="999999")
    assert str(refused.value) == MSG_NO_VERSION.format(id="999999")


@pytest.mark.parametrize("value", ["2026-02-30", "15/06/2026", "20260615"])
def test_the_command_refuses_a_date_that_is_not_one(draft, policy_data, value):
    with pytest.raises(CommandError) as refused:
        call_command("policy_impact", FB, version=str(draft.pk), since=value)
    assert str(refused.value) == MSG_BAD_DATE.format(option="--since", value=value)


def test_the_command_refuses_since_after_until(draft, policy_data):
    with pytest.raises(CommandError) as refused:
        call_command("policy_impact", FB, version=str(draft.pk), since="2026-05-01", until="2026-04-01")
    assert str(refused.value) == MSG_DATES_REVERSED.format(since="2026-05-01", until="2026-04-01")
