"""The reviewer's queue and decision page; the prescriber's follow-up actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kineret_pa.accounts.roles import prescriber_required
from kineret_pa.accounts.signals import client_ip
from kineret_pa.policies.models import Diagnosis, Payer
from kineret_pa.policies.snapshots import policy_data_get

from .models import QUEUE_STATUSES, PARequest
from .paging import PageWithoutCount
from .presentation import MSG_NOTHING_STATED, facts_by_step
from .review_forms import AnswerForm, AppealForm, AttachmentForm, DecisionForm, WithdrawForm
from .selectors import (
    attachment_get_for_user,
    decision_codes_for,
    pa_request_get_for_reviewer,
    pa_request_get_for_user,
    policy_ceiling,
    review_queue,
)
from .services import (
    MSG_OWN_REQUEST,
    ConcurrentDecision,
    attachment_add,
    pa_request_answer,
    pa_request_appeal,
    pa_request_decide,
    pa_request_withdraw,
)
from .transitions import IllegalTransition

review_required = permission_required("pa_requests.review_parequest", raise_exception=True)


@dataclass(frozen=True)
class QueueRow:
    """A queue row with its words ready: filters such as timesince cost more than the query, fifty times."""

    pk: uuid.UUID
    number: str
    url: str
    payer: str
    policy_code: str
    diagnosis: str
    status: str
    urgency: str
    overdue: bool
    due_in_words: str  # how long overdue, or how long left
    due_at: str


def _duration_words(seconds: float) -> str:
    """The two largest units, as Django's timesince says them ("2 days, 4 hours")."""
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(n, word) for n, word in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return ", ".join(f"{n}\u00a0{word}{'' if n == 1 else 's'}" for n, word in units[:2]) or "0\u00a0minutes"


_PLACEHOLDER = uuid.UUID(int=0)
STATUS_LABELS = dict(PARequest.Status.choices)
URGENCY_LABELS = dict(PARequest.Urgency.choices)


def _queue_row(row: dict, now, diagnosis_names: dict[str, str], url_pattern: str) -> QueueRow:
    due_at = row["due_at"]
    return QueueRow(
        pk=row["id"],
        number=PARequest.number_for(row["id"]),
        url=url_pattern.replace(str(_PLACEHOLDER), str(row["id"])),
        payer=row["policy_version__policy__payer__name"] or "",
        policy_code=row["policy_version__policy__code"] or "",
        diagnosis=diagnosis_names.get(row["diagnosis"], row["diagnosis"] or ""),
        status=STATUS_LABELS[row["status"]],
        urgency=URGENCY_LABELS[row["urgency"]],
        overdue=due_at is not None and due_at < now,
        due_in_words=_duration_words(abs((due_at - now).total_seconds())) if due_at else "",
        due_at=timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M") if due_at else "",
    )


@login_required
@review_required
def queue(request):
    page = PageWithoutCount(review_queue(reviewer=request.user, filters=request.GET), request.GET.get("page"))
    diagnoses = list(Diagnosis.objects.filter(selectable=True).order_by("order"))
    names = {d.slug: d.name for d in diagnoses}
    now = timezone.now()
    url_pattern = reverse("review-detail", args=[_PLACEHOLDER])  # reversed once, not once a row
    page.items = [_queue_row(row, now, names, url_pattern) for row in page.items]
    return render(
        request,
        "pa_requests/review_queue.html",
        {
            "page": page,
            "payers": Payer.objects.order_by("name"),
            "diagnoses": diagnoses,
            "statuses": [(s.value, s.label) for s in PARequest.Status if s in QUEUE_STATUSES],
            "params": request.GET,
        },
    )


def _initial(pa: PARequest, ceiling: dict) -> dict:
    duration = ceiling.get("duration") or {}
    return {
        "quantity": ceiling.get("approved_quantity"),
        "per_days": ceiling.get("per_days"),
        "duration_months": duration.get("months"),
        "duration_days": duration.get("days"),
        "row_version": pa.row_version,
    }


@login_required
@review_required
def review_detail(request, pk):
    pa = pa_request_get_for_reviewer(user=request.user, pa_request_id=pk)
    unmet = [r for r in (pa.determination or {}).get("reasons", []) if not r["met"]]
    policy_data = policy_data_get()  # one revision read: the ceiling and the plan's words
    ceiling = policy_ceiling(pa_request=pa, policy_data=policy_data)  # read once: the form's pre-fill and the bound
    form = DecisionForm(
        request.POST or None, codes=decision_codes_for(pa_request=pa), unmet=unmet, initial=_initial(pa, ceiling)
    )
    clashed = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pa_request_decide(
                pa_request_id=pa.pk,
                reviewer=request.user,
                expected_version=data["row_version"],
                code=data["code"],
                quantity=data["quantity"],
                per_days=data["per_days"],
                duration_months=data["duration_months"],
                duration_days=data["duration_days"],
                reasons=data["reasons"],
                note=data["note"],
                justification=data["justification"],
                ip=client_ip(request),
                ceiling=ceiling,
            )
        except ConcurrentDecision as clash:
            messages.error(request, str(clash))  # the form below keeps everything typed
            pa.refresh_from_db()
            clashed = True
        except IllegalTransition as illegal:
            messages.error(request, str(illegal))
        except ValidationError as invalid:
            for field, problems in invalid.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"{pa.number}: decision recorded and the prescriber notified.")
            return redirect("review-queue")
    own = pa.owner_id == request.user.pk  # the service refuses it too; no form is offered
    return render(
        request,
        "pa_requests/review_detail.html",
        {
            "pa": pa,
            "form": form,
            "fact_groups": facts_by_step(pa.contract_request, policy_data.catalog.fact_values),
            "nothing_stated": MSG_NOTHING_STATED,
            "determination": pa.determination,
            "unmet": unmet,
            "events": pa.events.select_related("actor"),
            "attachments": pa.attachments.all(),
            "open": (pa.status in QUEUE_STATUSES or clashed) and not own,  # after a clash the typed entries stay
            "own_request": MSG_OWN_REQUEST if own else "",
            "now": timezone.now(),
        },
    )


# ---------------------------------------------------------------- the prescriber's follow-ups


def _act(request, pk, form_class, action, done_message):
    pa = pa_request_get_for_user(user=request.user, pa_request_id=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(pa, form.cleaned_data)
        except (ValidationError, IllegalTransition) as problem:
            messages.error(request, " ".join(getattr(problem, "messages", [str(problem)])))
        else:
            messages.success(request, done_message)
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("pa-request-detail", pk=pa.pk)


@prescriber_required
@require_POST
def withdraw(request, pk):
    return _act(
        request,
        pk,
        WithdrawForm,
        lambda pa, d: pa_request_withdraw(pa_request=pa, actor=request.user, reason=d["reason"], ip=client_ip(request)),
        "Request withdrawn.",
    )


@prescriber_required
@require_POST
def answer(request, pk):
    return _act(
        request,
        pk,
        AnswerForm,
        lambda pa, d: pa_request_answer(pa_request=pa, actor=request.user, answer=d["answer"], ip=client_ip(request)),
        "Answer sent: the review continues.",
    )


@prescriber_required
@require_POST
def appeal(request, pk):
    return _act(
        request,
        pk,
        AppealForm,
        lambda pa, d: pa_request_appeal(pa_request=pa, actor=request.user, note=d["note"], ip=client_ip(request)),
        "Appeal submitted to another reviewer.",
    )


@prescriber_required
@require_POST
def attach(request, pk):
    pa = pa_request_get_for_user(user=request.user, pa_request_id=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    elif pa.is_draft:
        messages.error(request, "Submit the request before attaching documents.")
    else:
        try:
            attachment_add(
                pa_request=pa,
                uploaded_by=request.user,
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
                ip=client_ip(request),
            )
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(request, "Document attached.")
    return redirect("pa-request-detail", pk=pa.pk)


@login_required
def attachment_download(request, pk):
    attachment = attachment_get_for_user(user=request.user, attachment_id=pk)
    # Always a download, with the sniffed type: never rendered inline by the browser.
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
