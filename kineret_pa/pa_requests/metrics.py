"""The figures CMS-0057-F asks payers to publish, per payer and period, standard and expedited apart."""
from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import PARequest

S = PARequest.Status
APPROVED = {S.APPROVED, S.PARTIAL, S.OVERTURNED, S.EXPIRED}
DENIED = {S.DENIED, S.UPHELD, S.APPEALED}
APPEALS = {S.APPEALED, S.UPHELD, S.OVERTURNED}
COLUMNS = ["payer", "urgency", "submitted", "decided", "approved_pct", "denied_pct", "approved_after_appeal_pct",
           "auto_approved_pct", "mean_hours_to_decision", "median_hours_to_decision"]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def metrics_compute(*, start: dt.date, end: dt.date) -> list[dict]:
    """One row per payer and urgency for requests submitted in [start, end)."""
    rows = (PARequest.objects.exclude(status=S.DRAFT)
            .filter(submitted_at__date__gte=start, submitted_at__date__lt=end)
            .values_list("policy_version__policy__payer__name", "urgency", "status", "auto_decided", "submitted_at", "decided_at"))
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for payer, urgency, status, auto, submitted, decided in rows:
        groups[(payer, urgency)].append((status, auto, submitted, decided))
    table = []
    for (payer, urgency), items in sorted(groups.items()):
        decided = [i for i in items if i[3] is not None and i[0] in APPROVED | DENIED | APPEALS]
        hours = [(d - s).total_seconds() / 3600 for _, _, s, d in decided]
        approved = sum(1 for i in decided if i[0] in APPROVED)
        appeals = [i for i in items if i[0] in APPEALS]
        table.append({
            "payer": payer, "urgency": urgency, "submitted": len(items), "decided": len(decided),
            "approved_pct": _pct(approved, len(decided)),
            "denied_pct": _pct(sum(1 for i in decided if i[0] in DENIED), len(decided)),
            "approved_after_appeal_pct": _pct(sum(1 for i in appeals if i[0] == S.OVERTURNED), len(appeals)),
            "auto_approved_pct": _pct(sum(1 for i in items if i[1]), len(items)),
            "mean_hours_to_decision": round(statistics.fmean(hours), 2) if hours else None,
            "median_hours_to_decision": round(statistics.median(hours), 2) if hours else None,
        })
    return table


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    try:
        start = dt.date.fromisoformat(request.GET.get("start") or quarter_start.isoformat())
        end = dt.date.fromisoformat(request.GET.get("end") or (today + dt.timedelta(days=1)).isoformat())
    except ValueError:
        start, end = quarter_start, today + dt.timedelta(days=1)
    return start, end


@login_required
@permission_required("pa_requests.view_metrics", raise_exception=True)
def metrics_view(request):
    start, end = _period(request)
    table = metrics_compute(start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="pa-metrics-{start}-{end}.csv"'
        writer = csv.DictWriter(response, fieldnames=["period_start", "period_end"] + COLUMNS)
        writer.writeheader()
        for row in table:
            writer.writerow({"period_start": start, "period_end": end, **row})
        return response
    return render(request, "pa_requests/metrics.html", {"table": table, "start": start, "end": end})
