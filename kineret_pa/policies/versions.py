"""The life of a policy version: copied as a draft, edited, checked, published; never changed once in force.

A change to a policy starts from a version ("Copy as new draft"), is edited and tried as a draft (drafts can be
evaluated by naming them), and goes live only through `version_publish`, which refuses while any whole-tree
check or any of the policy's test cases fails. Publishing ends the version it replaces the day before the draft's
effective date, so exactly one version is in force on any date.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import models as m
from .dump import version_dump
from .loading import version_load
from .snapshots import PolicyData, revision_bumped_once

MSG_NOT_DRAFT = "Only a draft can be changed or published: {version} is {status}. Copy it as a new draft."
MSG_DATE_TAKEN = "{policy} already has a version effective {date}. Choose another effective date."
MSG_DATE_IN_PAST = (
    "The effective date {date} has passed: a published version must not change decisions already made. "
    "Choose today ({today}) or a later date."
)
MSG_LATER_VERSION = (
    "A version effective {date} is already published; this draft (effective {draft_date}) would have to end "
    "before it starts. Retire that version first, or give the draft a later effective date."
)
MSG_TREE_PROBLEMS = "The criteria fail {n} whole-tree check(s); fix them first."
MSG_FAILING_CASES = "{n} test case(s) do not give the expected outcome under this draft: {names}."


def version_is_editable(version: m.PolicyVersion) -> bool:
    return version.is_draft


def version_require_draft(version: m.PolicyVersion) -> None:
    if not version.is_draft:
        raise ValidationError(MSG_NOT_DRAFT.format(version=version, status=version.get_status_display().lower()))


def _history_user(obj, user) -> None:
    # simple_history records this user on the history row of the next save.
    obj._history_user = user


@transaction.atomic
def version_copy_as_draft(*, version: m.PolicyVersion, effective_date: dt.date, user) -> m.PolicyVersion:
    """A deep copy of a version (criteria, lists, limits, weight tables, durations, indications, codes) as a
    draft with its own effective date: exactly what exporting the version and loading it again would give."""
    policy = version.policy
    if m.PolicyVersion.objects.filter(policy=policy, effective_date=effective_date).exists():
        raise ValidationError({"effective_date": MSG_DATE_TAKEN.format(policy=policy.code, date=effective_date)})
    data = version_dump(version)
    data.update(effective_date=effective_date.isoformat(), status=m.PolicyVersion.Status.DRAFT)
    data.pop("end_date", None)
    with revision_bumped_once():
        copy = version_load(policy, data, validate_criteria=False)
        copy.copied_from = version
        copy.notes = data["notes"]
        _history_user(copy, user)
        copy.save(update_fields=["copied_from", "notes"])
    return copy


def version_publish_problems(
    *, version: m.PolicyVersion, today: dt.date, policy_data: PolicyData | None = None
) -> list[str]:
    """Every reason, in words, why the draft cannot be published now; empty when it can."""
    from .checks import version_problems
    from .testcases import testcases_failing, testcases_run

    if not version.is_draft:
        return [MSG_NOT_DRAFT.format(version=version, status=version.get_status_display().lower())]
    problems = []
    if version.effective_date < today:
        problems.append(MSG_DATE_IN_PAST.format(date=version.effective_date, today=today))
    later = (
        m.PolicyVersion.objects.filter(
            policy_id=version.policy_id,
            status=m.PolicyVersion.Status.ACTIVE,
            effective_date__gte=version.effective_date,
        )
        .order_by("effective_date")
        .first()
    )
    if later:
        problems.append(MSG_LATER_VERSION.format(date=later.effective_date, draft_date=version.effective_date))
    tree = version_problems(version=version)
    if tree:
        problems.append(MSG_TREE_PROBLEMS.format(n=len(tree)))
        problems.extend(problem.message for problem in tree)
    runs = testcases_run(policy=version.policy, versions=[version], policy_data=policy_data)
    failing = testcases_failing(runs, version)
    if failing:
        problems.append(MSG_FAILING_CASES.format(n=len(failing), names="; ".join(r.case.name for r in failing)))
    return problems


@transaction.atomic
def version_publish(*, version: m.PolicyVersion, user, today: dt.date | None = None) -> m.PolicyVersion:
    """Make a draft the version in force from its effective date; the version it replaces ends the day before."""
    today = today or timezone.localdate()
    version = m.PolicyVersion.objects.select_for_update().get(pk=version.pk)
    problems = version_publish_problems(version=version, today=today)
    if problems:
        raise ValidationError(problems)
    with revision_bumped_once():
        replaced = m.PolicyVersion.objects.filter(
            policy_id=version.policy_id,
            status=m.PolicyVersion.Status.ACTIVE,
            effective_date__lt=version.effective_date,
        ).exclude(end_date__lt=version.effective_date)
        for previous in replaced:
            previous.end_date = version.effective_date - dt.timedelta(days=1)
            _history_user(previous, user)
            previous.save(update_fields=["end_date"])
        version.status = m.PolicyVersion.Status.ACTIVE
        version.published_at = timezone.now()
        version.published_by = user
        _history_user(version, user)
        version.full_clean()
        version.save(update_fields=["status", "published_at", "published_by"])
    return version
