"""Prior-authorization figures per payer and period, standard and expedited apart.

The measures are the ones CMS-0057-F (the Interoperability and Prior Authorization final rule)
asks impacted payers to publish for items and services. That rule leaves drugs out; these
figures apply its measures to Kineret's prior authorization voluntarily. A proposed rule,
CMS-0062-P, would bring drug prior authorization under the same reporting from October 2027.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import PARequest, RequestEvent

S = PARequest.Status
APPROVED = {S.APPROVED, S.OVERTURNED, S.EXPIRED}  # approved as asked (an expired approval was one)
PARTIAL = {S.PARTIAL}  # approved for less than asked: counted apart, as CMS-0057-F's approvals are "approved"
DENIED = {S.DENIED, S.UPHELD, S.APPEALED}
APPEALS = {S.APPEALED, S.UPHELD, S.OVERTURNED}
COLUMNS = [
    "payer",
    "urgency",
    "submitted",
    "decided",
    "approved_pct",
    "partial_pct",
    "denied_pct",
    "approved_after_appeal_pct",
    "approved_after_extension_pct",
    "auto_approved_pct",
    "mean_hours_to_decision",
    "median_hours_to_decision",
]

MSG_BAD_DATE = "“{value}” is not a date: use YYYY-MM-DD."
MSG_REVERSED = "The period must end after it starts: {start} is not before {end}."


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _extended_ids(ids: list) -> set:
    """Requests whose decision timeframe was extended: a reviewer asked for more information (the clock
    stops and restarts in full when the answer comes, see services.pa_request_answer)."""
    return set(
        RequestEvent.objects.filter(pa_request_id__in=ids, to_status=S.INFO_REQUESTED).values_list(
            "pa_request_id", flat=True
        )
    )


def metrics_compute(*, start: dt.date, end: dt.date) -> list[dict]:
    """One row per payer and urgency for requests submitted in [start, end)."""
    rows = list(
        PARequest.objects.exclude(status=S.DRAFT)
        .filter(submitted_at__date__gte=start, submitted_at__date__lt=end)
        .values_list(
            "pk",
            "policy_version__policy__payer__name",
            "urgency",
            "status",
            "auto_decided",
            "submitted_at",
            "decided_at",
        )
    )
    extended = _extended_ids([row[0] for row in rows])
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for pk, payer, urgency, status, auto, submitted, decided in rows:
        groups[(payer, urgency)].append((status, auto, submitted, decided, pk in extended))
    table = []
    for (payer, urgency), items in sorted(groups.items()):
        decided = [i for i in items if i[3] is not None and i[0] in APPROVED | PARTIAL | DENIED | APPEALS]
        hours = [(d - s).total_seconds() / 3600 for _, _, s, d, _ in decided]
        appeals = [i for i in items if i[0] in APPEALS]
        table.append(
            {
                "payer": payer,
                "urgency": urgency,
                "submitted": len(items),
                "decided": len(decided),
                "approved_pct": _pct(sum(1 for i in decided if i[0] in APPROVED), len(decided)),
                "partial_pct": _pct(sum(1 for i in decided if i[0] in PARTIAL), len(decided)),
                "denied_pct": _pct(sum(1 for i in decided if i[0] in DENIED), len(decided)),
                "approved_after_appeal_pct": _pct(sum(1 for i in appeals if i[0] == S.OVERTURNED), len(appeals)),
                "approved_after_extension_pct": _pct(
                    sum(1 for i in decided if i[4] and i[0] in APPROVED | PARTIAL), len(decided)
                ),
                "auto_approved_pct": _pct(sum(1 for i in items if i[1]), len(items)),
                "mean_hours_to_decision": round(statistics.fmean(hours), 2) if hours else None,
                "median_hours_to_decision": round(statistics.median(hours), 2) if hours else None,
            }
        )
    return table


def _period(request) -> tuple[dt.date, dt.date, dict[str, str]]:
    """The period asked for (default: this quarter so far), and a message per field that cannot be read."""
    today = timezone.localdate()
    defaults = {"start": dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), "end": today + dt.timedelta(days=1)}
    values, errors = {}, {}
    for name, default in defaults.items():
        raw = request.GET.get(name, "").strip()
        try:
            values[name] = dt.date.fromisoformat(raw) if raw else default
        except ValueError:
            values[name], errors[name] = default, MSG_BAD_DATE.format(value=raw[:40])
    if not errors and values["start"] >= values["end"]:
        errors["end"] = MSG_REVERSED.format(start=values["start"], end=values["end"])
    return values["start"], values["end"], errors


def _render(request, *, public: bool):
    start, end, errors = _period(request)
    if errors and request.GET.get("format") == "csv":
        return HttpResponse("\n".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")
    table = [] if errors else metrics_compute(start=start, end=end)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="pa-metrics-{start}-{end}.csv"'
        writer = csv.DictWriter(response, fieldnames=["period_start", "period_end"] + COLUMNS)
        writer.writeheader()
        for row in table:
            writer.writerow({"period_start": start, "period_end": end, **row})
        return response
    context = {
        "table": table,
        "start": start,
        "end": end,
        "errors": errors,
        "public": public,
        "raw": {name: request.GET.get(name, "") for name in errors},
    }
    return render(request, "pa_requests/metrics.html", context, status=400 if errors else 200)


@login_required
@permission_required("pa_requests.view_metrics", raise_exception=True)
def metrics_view(request):
    return _render(request, public=False)


def metrics_public_view(request):
    """The same aggregates without sign-in, for a payer to publish (PUBLIC_METRICS=true); no patient data."""
    if not settings.PUBLIC_METRICS:
        raise Http404
    return _render(request, public=True)
