"""Read-only lookups of requests (HackSoft's selectors; the writes are in services.py).

Each `*_get_for_*` states its access rule once, in its docstring, and answers 404 to anyone the rule
leaves out: a 403 would confirm that the request exists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KT, KeyTextTransform
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from kineret_pa.engine import parse_request
from kineret_pa.engine.evaluate import quantity_if_covered
from kineret_pa.policies.models import Policy
from kineret_pa.policies.snapshots import PolicyData, policy_data_get

from .models import QUEUE_STATUSES, Attachment, PARequest, ReviewDecisionCode

REVIEW_PERMISSION = "pa_requests.review_parequest"
MSG_NO_REQUEST = "No such request."
MSG_NO_FILE = "No such file."


def pa_request_get_for_user(*, user: AbstractBaseUser, pa_request_id: uuid.UUID | str) -> PARequest:
    """Access rule: a prescriber reaches only the requests they own, drafts included; every prescriber page
    reaches a request through here."""
    try:
        return PARequest.objects.select_related("policy_version__policy").get(pk=pa_request_id, owner=user)
    except (PARequest.DoesNotExist, ValueError, ValidationError):
        raise Http404(MSG_NO_REQUEST) from None


def pa_request_get_for_reviewer(*, user: AbstractBaseUser, pa_request_id: uuid.UUID | str) -> PARequest:
    """Access rule: a user with the review permission reaches any submitted request (never a draft); whether
    they may decide it (not their own, not an appeal of their own denial) is the decide service's rule."""
    if not user.has_perm(REVIEW_PERMISSION):
        raise Http404(MSG_NO_REQUEST)
    try:
        return (
            PARequest.objects.select_related("policy_version__policy__payer", "owner")
            .exclude(status=PARequest.Status.DRAFT)
            .get(pk=pa_request_id)
        )
    except (PARequest.DoesNotExist, ValueError, ValidationError):
        raise Http404(MSG_NO_REQUEST) from None


def attachment_get_for_user(*, user: AbstractBaseUser, attachment_id: uuid.UUID | str) -> Attachment:
    """Access rule: the owner of the attachment's request, or a user with the review permission."""
    try:
        attachment = Attachment.objects.select_related("pa_request").get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, ValidationError):
        raise Http404(MSG_NO_FILE) from None
    if attachment.pa_request.owner_id != user.pk and not user.has_perm(REVIEW_PERMISSION):
        raise Http404(MSG_NO_FILE)
    return attachment


def drafts_open_count(*, owner: AbstractBaseUser) -> int:
    return PARequest.objects.filter(owner=owner, status=PARequest.Status.DRAFT).count()


# What a row of My requests shows: not the kilobytes of JSON each request also holds.
LIST_ROW_FIELDS = ("id", "status", "patient_name", "summary", "due_at", "expires_on", "updated_at")


def _draft_answer(step: str, field: str) -> KT:
    """One answer as the draft keeps it (storage.DraftStorage: formtools' step data, each posted key a list)."""
    return KT(f"wizard__step_data__{step}__{step}-{field}__0")


def pa_requests_list_for_owner(*, owner: AbstractBaseUser) -> QuerySet:
    """Access rule: the owner's requests, drafts included, newest change first. A draft has no patient or
    policy columns until it is submitted, so each row also carries what its steps hold so far
    (`draft_patient_name`, `draft_member_id`, `draft_policy`), read inside the same query."""
    chosen = Policy.objects.filter(code=OuterRef("draft_policy_code")).values(
        label=Concat("payer__name", Value(" — "), "number", output_field=CharField())
    )
    return (
        PARequest.objects.filter(owner=owner)
        .only(*LIST_ROW_FIELDS)
        .annotate(
            draft_patient_name=_draft_answer("patient", "patient_name"),
            draft_member_id=_draft_answer("patient", "member_id"),
            draft_policy_code=_draft_answer("policy", "policy"),
        )
        .annotate(draft_policy=Subquery(chosen[:1]))  # a code no policy has (typed, or since renamed) reads as none
        .order_by("-updated_at")
    )


def decision_codes_for(*, pa_request: PARequest) -> list[ReviewDecisionCode]:
    """The decisions a reviewer may record on this request: an appeal's, or a first review's."""
    applies = (
        ReviewDecisionCode.AppliesTo.APPEAL
        if pa_request.status == PARequest.Status.APPEALED
        else ReviewDecisionCode.AppliesTo.REVIEW
    )
    return list(ReviewDecisionCode.objects.filter(applies_to=applies))


def policy_ceiling(*, pa_request: PARequest, policy_data: PolicyData | None = None) -> dict[str, Any]:
    """The quantity, period and duration the policy would grant were its criteria met (the engine's
    `quantity_if_covered`), to pre-fill and bound a reviewer's approval; empty when it grants no bound."""
    policy_data = policy_data if policy_data is not None else policy_data_get()
    request, errors = parse_request(
        pa_request.contract_request, policy_data.catalog, today=timezone.localdate(pa_request.submitted_at)
    )
    if errors or pa_request.policy_version_id is None:
        return {}
    return quantity_if_covered(policy_data.snapshot(pa_request.policy_version_id), request) or {}


def review_queue(*, reviewer: AbstractBaseUser, filters: Mapping[str, str]) -> QuerySet:
    """The open requests a reviewer may decide, due first, narrowed by the queue's filters (payer, diagnosis,
    status, due); rows are plain values (see the comment at the end)."""
    rows = (
        PARequest.objects.filter(status__in=QUEUE_STATUSES)
        .exclude(Q(status=PARequest.Status.APPEALED) & Q(denied_by=reviewer))  # appeals go to another reviewer
        .exclude(owner=reviewer)  # so do requests the reviewer submitted (segregation of duties)
        .order_by("due_at", "submitted_at")
    )
    if filters.get("payer"):
        rows = rows.filter(policy_version__policy__payer__slug=filters["payer"])
    if filters.get("diagnosis"):
        rows = rows.filter(contract_request__diagnosis=filters["diagnosis"])
    if filters.get("status") in {s.value for s in QUEUE_STATUSES}:
        rows = rows.filter(status=filters["status"])
    now = timezone.now()
    if filters.get("due") == "overdue":
        rows = rows.filter(due_at__lt=now)
    elif filters.get("due") == "24h":
        rows = rows.filter(due_at__lt=now + dt.timedelta(hours=24))
    # Only what a row shows, as plain values: each request also holds kilobytes of JSON (answers,
    # contract request, determination), and loading, decoding and wrapping fifty of them in model
    # objects was most of the queue's time.
    return rows.values(
        "id",
        "status",
        "urgency",
        "due_at",
        "policy_version__policy__code",
        "policy_version__policy__payer__name",
        diagnosis=KeyTextTransform("diagnosis", "contract_request"),
    )


# An adverse determination carries the payer's appeal rights; an upheld appeal, those of the next level.
APPEALABLE_STATUSES = {PARequest.Status.DENIED, PARequest.Status.PARTIAL, PARequest.Status.UPHELD}
MSG_APPEAL_CONTACT_DEFAULT = "Call the member services number on the back of the member's ID card."


@dataclass(frozen=True)
class AppealRights:
    window_days: int
    deadline: dt.date
    contact: str
    payer: str


def appeal_rights_for(*, pa_request: PARequest) -> AppealRights | None:
    """What a letter says about appealing: the payer's window counted from the local date of the decision, and
    the payer's contact (both payer data edited in the admin). None when the decision is not adverse."""
    if pa_request.status not in APPEALABLE_STATUSES:
        return None
    payer = pa_request.policy_version.policy.payer
    decided = timezone.localdate(pa_request.decided_at or pa_request.submitted_at)
    return AppealRights(
        window_days=payer.appeal_window_days,
        deadline=decided + dt.timedelta(days=payer.appeal_window_days),
        contact=payer.appeal_contact.strip() or MSG_APPEAL_CONTACT_DEFAULT,
        payer=payer.name,
    )
