"""Policy staff's pages around a version: read it back, check it, run its test cases, compare it, copy it as a
draft and publish it (the impact replay is pa_requests/impact_views.py). Thin: the work is in versions.py,
checks.py, readback.py, testcases.py and diff.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kineret_pa.accounts.roles import policy_staff_required

from . import models as m
from .checks import version_problems
from .diff import versions_diff
from .readback import version_readback
from .selectors import version_get, version_in_force
from .snapshots import policy_data_get
from .testcases import testcase_expectation_update, testcases_run
from .versions import version_copy_as_draft, version_publish, version_publish_problems

MSG_COPIED = "Copied as a draft effective {date}. Edit it, run its test cases, then publish it."
MSG_PUBLISHED = "Published: {version} is in force from {date}."
MSG_EXPECTATION_SAVED = "The expected outcome of “{name}” is now {decision}."


class CopyForm(forms.Form):
    effective_date = forms.DateField(
        label="Effective date of the new draft",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The first date of service the new version will decide once published.",
    )


class ExpectationForm(forms.ModelForm):
    class Meta:
        model = m.PolicyTestCase
        fields = [
            "expected_decision",
            "expected_quantity",
            "expected_per_days",
            "expected_duration_months",
            "expected_duration_days",
        ]
        labels = {
            "expected_decision": "Decision",
            "expected_quantity": "Quantity",
            "expected_per_days": "Per days",
            "expected_duration_months": "Months",
            "expected_duration_days": "Days",
        }


def _default_effective_date(today: dt.date) -> dt.date:
    # Policies change on the first of a month; the next first is a sensible default to edit.
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


@policy_staff_required
def version_list(request):
    versions = m.PolicyVersion.objects.select_related("policy__payer", "published_by").order_by(
        "policy__code", "-effective_date"
    )
    today = timezone.localdate()
    rows = defaultdict(list)
    for version in versions:
        in_force = version.status == m.PolicyVersion.Status.ACTIVE and version.effective_date <= today
        in_force = in_force and (version.end_date is None or version.end_date >= today)
        rows[version.policy].append((version, in_force))
    return render(request, "policies/version_list.html", {"policies": dict(rows), "today": today})


def _expectation_initial(outcome) -> dict:
    duration = outcome.duration or {}
    return {
        "expected_decision": outcome.decision,
        "expected_quantity": outcome.quantity,
        "expected_per_days": outcome.per_days,
        "expected_duration_months": duration.get("months"),
        "expected_duration_days": duration.get("days"),
    }


@policy_staff_required
def version_detail(request, pk):
    version = version_get(pk)
    today = timezone.localdate()
    policy_data = policy_data_get()
    current = version_in_force(version.policy, today)
    compared = [version] + ([current] if current and current.pk != version.pk else [])
    problems = version_problems(version=version)
    by_node = defaultdict(list)
    for problem in problems:
        by_node[problem.node_key].append(problem.message)
    lines = [(line, by_node.get(line.key, [])) for line in version_readback(version=version)]
    runs = testcases_run(policy=version.policy, versions=compared, policy_data=policy_data)
    cases = []
    for run in runs:
        outcome = run.outcomes[version.id]
        form = None
        if version.is_draft and not outcome.passed and outcome.decision:
            form = ExpectationForm(initial=_expectation_initial(outcome), prefix=f"case-{run.case.pk}")
        cases.append({"run": run, "outcomes": [run.outcomes[v.id] for v in compared], "form": form})
    publish_problems = (
        version_publish_problems(version=version, today=today, policy_data=policy_data) if version.is_draft else []
    )
    context = {
        "version": version,
        "current": current,
        "compared": compared,
        "lines": lines,
        "tree_problems": problems,
        "version_wide": by_node.get(None, []),
        "mismatches": sum(1 for line, _ in lines if line.mismatch),
        "cases": cases,
        "failing": sum(1 for case in cases if not case["outcomes"][0].passed),
        "publish_problems": publish_problems,
        "copy_form": CopyForm(initial={"effective_date": _default_effective_date(today)}),
        "today": today,
    }
    return render(request, "policies/version_detail.html", context)


@policy_staff_required
@require_POST
def version_copy(request, pk):
    version = version_get(pk)
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            copy = version_copy_as_draft(
                version=version, effective_date=form.cleaned_data["effective_date"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None if not hasattr(error, "error_dict") else "effective_date", error)
        else:
            messages.success(request, MSG_COPIED.format(date=copy.effective_date.isoformat()))
            return redirect("authoring:version", pk=copy.pk)
    for error in form.errors.values():
        messages.error(request, " ".join(error))
    return redirect("authoring:version", pk=version.pk)


@policy_staff_required
@require_POST
def version_publish_view(request, pk):
    version = version_get(pk)
    try:
        version = version_publish(version=version, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, MSG_PUBLISHED.format(version=version, date=version.effective_date.isoformat()))
    return redirect("authoring:version", pk=version.pk)


@policy_staff_required
@require_POST
def testcase_expectation(request, pk):
    case = get_object_or_404(m.PolicyTestCase.objects.select_related("policy"), pk=pk)
    back = request.POST.get("version")
    version = get_object_or_404(m.PolicyVersion, pk=back, policy=case.policy) if back else None
    form = ExpectationForm(request.POST, instance=m.PolicyTestCase(pk=case.pk), prefix=f"case-{case.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            testcase_expectation_update(
                case=case,
                user=request.user,
                decision=data["expected_decision"],
                quantity=data["expected_quantity"],
                per_days=data["expected_per_days"],
                duration_months=data["expected_duration_months"],
                duration_days=data["expected_duration_days"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            decision = m.PolicyTestCase.Decision(case.expected_decision).label.lower()
            messages.success(request, MSG_EXPECTATION_SAVED.format(name=case.name, decision=decision))
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errors)}")
    url = reverse("authoring:version", args=[version.pk]) if version else reverse("authoring:versions")
    return redirect(f"{url}#case-{case.pk}")


@policy_staff_required
def version_diff(request, pk):
    version = version_get(pk)
    others = m.PolicyVersion.objects.filter(policy=version.policy).exclude(pk=version.pk).order_by("-effective_date")
    against_pk = request.GET.get("against")
    against = None
    if against_pk and against_pk.isdigit():
        against = others.filter(pk=int(against_pk)).first()
    if against is None:
        against = version.copied_from if version.copied_from_id else others.first()
    lines = versions_diff(old=against, new=version) if against else []
    return render(
        request,
        "policies/version_diff.html",
        {"version": version, "against": against, "others": others, "lines": lines},
    )
