"""Business actions on requests: keyword-only, validate then save."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from kineret_pa.engine.evaluate import rate_within
from kineret_pa.engine.facts import facts_nest
from kineret_pa.policies.models import PolicyVersion
from kineret_pa.policies.services import determination_compute

from .forms import STEP_FACTS, trial_details
from .models import (
    APPROVED_STATUSES,
    QUEUE_STATUSES,
    Attachment,
    Decision,
    Notification,
    PARequest,
    PrescriberProfile,
    RequestEvent,
    ReviewDecisionCode,
)
from .selectors import decision_codes_for, drafts_open_count, policy_ceiling
from .tasks import notification_email_send
from .transitions import IllegalTransition, transition_check
from .uploads import sniff

STATUS_FOR_DECISION: dict[Decision, PARequest.Status] = {
    Decision.APPROVE: PARequest.Status.APPROVED,
    Decision.PARTIAL: PARequest.Status.PARTIAL,
    Decision.DENY: PARequest.Status.PENDED,  # never an automatic denial: a reviewer decides
    Decision.REFER: PARequest.Status.REFERRED,
}


class SubmitError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


MSG_TOO_MANY_DRAFTS = (
    "You already have {limit} drafts open, the most one account can keep. "
    "Submit or discard a draft from My requests before starting another."
)


def pa_request_create(*, owner, renewal_of: PARequest | None = None) -> PARequest:
    # Bounds what one account can store; two simultaneous starts may pass one over the limit, which is harmless.
    limit = settings.MAX_OPEN_DRAFTS
    if drafts_open_count(owner=owner) >= limit:
        raise ValidationError(MSG_TOO_MANY_DRAFTS.format(limit=limit))
    wizard: dict[str, Any] = {}
    if renewal_of is not None and renewal_of.answers:
        # A renewal starts from the approved request's answers, as a renewal.
        steps = {step: dict(data) for step, data in renewal_of.answers.items() if step != "review"}
        if "policy" in steps:
            steps["policy"]["policy-request_type"] = ["renewal"]
            steps["policy"]["policy-date_of_service"] = [timezone.localdate().isoformat()]
        wizard = {"step": "policy", "step_data": steps, "step_files": {}, "extra_data": {}}
    return PARequest.objects.create(owner=owner, wizard=wizard, renewal_of=renewal_of)


def request_build(steps: dict[str, Any]) -> dict[str, Any]:
    """The contract request from the steps' cleaned data (formset steps: lists of rows): the structured fields
    one by one, then every fact the steps state (forms.STEP_FACTS), unflattened from its dotted path."""
    policy, diagnosis = steps["policy"], steps.get("diagnosis", {})
    data: dict[str, Any] = {"policy": policy["policy"], "date_of_service": policy["date_of_service"].isoformat()}
    if diagnosis.get("diagnosis_slug"):
        data["diagnosis"] = diagnosis["diagnosis_slug"]
    if diagnosis.get("icd10_code"):
        data["icd10"] = diagnosis["icd10_code"]
    if "therapies" in steps:
        data["prior_therapies"] = [
            {
                "drug": row["drug"],
                "months": None if row.get("months") is None else float(row["months"]),
                "outcome": row["outcome"],
                **trial_details(row),
            }
            for row in steps["therapies"]
        ]
    if "concomitant" in steps:
        data["concomitant_drugs"] = [row["drug"] for row in steps["concomitant"]]
    stated = {
        path: value
        for cleaned in steps.values()
        if isinstance(cleaned, dict)
        for path, value in cleaned.get(STEP_FACTS, {}).items()
    }
    data.update(facts_nest(stated))
    return data


def _due_at(version: PolicyVersion, urgency: str, now: dt.datetime) -> dt.datetime:
    payer = version.policy.payer
    hours = payer.expedited_review_hours if urgency == PARequest.Urgency.EXPEDITED else payer.standard_review_hours
    return now + dt.timedelta(hours=hours)


def _profile_dict(profile: PrescriberProfile) -> dict[str, str]:
    return {
        "full_name": profile.full_name,
        "specialty": profile.specialty,
        "npi": profile.npi,
        "phone": profile.phone,
        "fax": profile.fax,
    }


@transaction.atomic
def pa_request_submit(
    *,
    pa_request_id,
    owner,
    contract_request: dict,
    answers: dict,
    urgency: str,
    patient_name: str,
    member_id: str,
    profile: PrescriberProfile,
) -> PARequest:
    """Decide and record the request once: a second submit of the same draft returns it unchanged."""
    pa = PARequest.objects.select_for_update().get(pk=pa_request_id, owner=owner)
    if not pa.is_draft:
        return pa
    determination, _, errors = determination_compute(data=contract_request)
    if errors:
        raise SubmitError(errors)
    version = PolicyVersion.objects.select_related("policy__payer").get(
        policy__code=determination.policy["code"], effective_date=dt.date.fromisoformat(determination.policy["version"])
    )
    now = timezone.now()
    status = STATUS_FOR_DECISION[determination.decision]
    transition_check(pa.status, status)
    pa.status = status
    pa.decision = determination.decision
    pa.determination = determination.as_dict()
    pa.contract_request = contract_request
    pa.answers = answers
    pa.policy_version = version
    pa.urgency = urgency
    pa.patient_name = patient_name
    pa.member_id = member_id
    pa.summary = f"{version.policy.code} · {contract_request.get('diagnosis', '')}"
    pa.prescriber_snapshot = _profile_dict(profile)
    pa.submitted_at = now
    if pa.status in (PARequest.Status.PENDED, PARequest.Status.REFERRED):
        pa.due_at = _due_at(version, urgency, now)
    else:
        # Approved by the engine from the policy's own criteria: the approval starts now.
        pa.auto_decided = True
        pa.decided_at = now
        pa.approved_quantity = determination.approved_quantity
        pa.approved_per_days = determination.per_days
        pa.expires_on = _expiry(timezone.localdate(now), determination.duration)
    pa.save()
    _event(
        pa, owner, RequestEvent.Kind.SUBMITTED, PARequest.Status.DRAFT, pa.status, {"decision": determination.decision}
    )
    return pa


def _expiry(start: dt.date, duration: dict | None) -> dt.date | None:
    """The approval's last day: the same day number `months` later (the month's last day when that month is
    shorter, so 01-31 + 1 month is 02-28), or `days` later. `start` is the local date the approval was given."""
    if not duration:
        return None
    if duration.get("days"):
        return start + dt.timedelta(days=duration["days"])
    return start + relativedelta(months=duration["months"])


def _event(
    pa: PARequest,
    actor,
    kind: RequestEvent.Kind,
    from_status: str,
    to_status: str,
    data: dict | None = None,
    ip: str | None = None,
) -> None:
    RequestEvent.objects.create(
        pa_request=pa,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
        ip_address=ip,
    )


def _move(
    pa: PARequest,
    *,
    to: PARequest.Status,
    actor,
    kind: RequestEvent.Kind,
    data: dict | None = None,
    ip: str | None = None,
) -> None:
    """Every change of status goes through here: checked, versioned, recorded."""
    before = pa.status
    transition_check(before, to)
    pa.status = to
    pa.row_version += 1
    pa.save()
    _event(pa, actor, kind, before, to, data, ip)


def _notify(pa: PARequest, text: str) -> None:
    Notification.objects.create(user=pa.owner, pa_request=pa, text=text)
    if pa.owner.email:
        subject = f"Kineret PA {pa.number}: {pa.get_status_display()}"
        # No patient data in e-mail (a reviewer's note may hold some): the details are read after signing in.
        body = (
            f"Request {pa.number} is now: {pa.get_status_display()}.\n\n"
            "Sign in to Kineret PA to read the decision and its reasons."
        )
        # Queued once the decision is committed; a worker sends it, never the web request.
        transaction.on_commit(lambda: notification_email_send.enqueue(pa.owner.email, subject, body))


MSG_CONCURRENT = (
    "Another reviewer acted on this request first ({status}). Your entries are kept below; "
    "review the new state before deciding."
)
MSG_UNKNOWN_CODE = "Choose one of the decisions offered for this request."
MSG_SAME_REVIEWER = "An appeal is decided by a different reviewer than the one who denied the request."
MSG_OWN_REQUEST = "You submitted this request: another reviewer decides it."
MSG_REASONS = "A denial must name one or more specific unmet criteria."
MSG_NOTE = "Explain the decision in words the prescriber can act on."
MSG_JUSTIFY = "Approving a request the policy's criteria did not support is an override: write the justification."
MSG_OVER_LIMIT = "The policy's limit is {quantity} syringes per {days} days: the approval cannot exceed it."
MSG_CHANGED = "Say why the quantity, period or duration differs from the policy's."
MSG_NOT_OPEN = "This request is no longer open."


class ConcurrentDecision(Exception):
    pass


@dataclass(frozen=True)
class Grant:
    """A quantity, its period and the approval's duration: as a reviewer proposes them, or as the policy would."""

    quantity: int | None
    per_days: int | None
    duration: dict[str, int] | None

    @classmethod
    def from_ceiling(cls, ceiling: dict[str, Any]) -> Grant:
        return cls(ceiling.get("approved_quantity"), ceiling.get("per_days"), ceiling.get("duration"))


# ---------------------------------------------------------------- a reviewer's decision, step by step


def _decision_open_get(*, pa_request_id: uuid.UUID, expected_version: int) -> PARequest:
    """The request, locked, as the reviewer saw it: at the version their form was made on, and still open."""
    pa = PARequest.objects.select_for_update().get(pk=pa_request_id)
    if pa.row_version != expected_version:
        raise ConcurrentDecision(MSG_CONCURRENT.format(status=pa.get_status_display()))
    if pa.status not in QUEUE_STATUSES:
        raise IllegalTransition(MSG_NOT_OPEN)
    return pa


def _decision_code_check(*, pa: PARequest, reviewer: AbstractBaseUser, code: str) -> ReviewDecisionCode:
    """The decision code offered for this request, chosen by a reviewer allowed to decide it."""
    # Segregation of duties: whoever submitted a request never decides it, not even to ask for information.
    if pa.owner_id == reviewer.pk:
        raise ValidationError({"code": MSG_OWN_REQUEST})
    decision = next((c for c in decision_codes_for(pa_request=pa) if c.code == code), None)
    if decision is None:
        raise ValidationError({"code": MSG_UNKNOWN_CODE})
    if pa.status == PARequest.Status.APPEALED and pa.denied_by_id == reviewer.pk:
        raise ValidationError({"code": MSG_SAME_REVIEWER})
    return decision


def _reasons_errors(*, pa: PARequest, decision: ReviewDecisionCode, reasons: list[str], note: str) -> dict[str, str]:
    """A denial names criteria the engine found unmet, and explains itself in words."""
    if not decision.requires_reasons:
        return {}
    errors = {}
    unmet = {r["clause"] for r in (pa.determination or {}).get("reasons", []) if not r["met"]}
    if not reasons or not set(reasons) <= unmet:
        errors["reasons"] = MSG_REASONS
    if not note.strip():
        errors["note"] = MSG_NOTE
    return errors


def _grant_proposed(
    *,
    ceiling: dict[str, Any],
    quantity: int | None,
    per_days: int | None,
    duration_months: int | None,
    duration_days: int | None,
) -> Grant:
    """What the reviewer grants; with no duration given, the policy's."""
    if duration_months or duration_days:
        duration = {"months": duration_months} if duration_months else {"days": duration_days}
    else:
        duration = ceiling.get("duration")
    return Grant(quantity, per_days, duration)


def _grant_errors(
    *, pa: PARequest, grant: Grant, ceiling: dict[str, Any], note: str, justification: str
) -> dict[str, str]:
    """An approval stays within the policy's rate, says why it differs from the policy's grant, and justifies
    overriding criteria the engine found unmet."""
    errors = {}
    policy = Grant.from_ceiling(ceiling)
    days = grant.per_days or policy.per_days
    if (
        grant.quantity
        and policy.quantity
        and days
        and not rate_within(grant.quantity, days, policy.quantity, policy.per_days)
    ):
        errors["quantity"] = MSG_OVER_LIMIT.format(quantity=policy.quantity, days=policy.per_days)
    if grant != policy and not note.strip():
        errors["note"] = MSG_CHANGED
    # On appeal the overturn is itself the second look: the justification is the appeal's decision.
    if pa.decision == Decision.DENY and pa.status != PARequest.Status.APPEALED and not justification.strip():
        errors["justification"] = MSG_JUSTIFY
    return errors


def _decision_record(
    *,
    pa: PARequest,
    reviewer: AbstractBaseUser,
    decision: ReviewDecisionCode,
    grant: Grant | None,
    data: dict[str, Any],
    ip: str | None,
) -> None:
    """The decision's effect on the request, then the status change with its event, and the prescriber's notice."""
    now = timezone.now()
    if grant is not None:
        pa.approved_quantity, pa.approved_per_days = grant.quantity, grant.per_days
        pa.expires_on = _expiry(timezone.localdate(now), grant.duration)
    if decision.resulting_status in (PARequest.Status.DENIED, PARequest.Status.UPHELD):
        pa.denied_by = reviewer
    if decision.resulting_status == PARequest.Status.INFO_REQUESTED:
        pa.due_at = None  # the clock stops until the prescriber answers
    else:
        # The first decision's time is the one published (submission to decision); an appeal's is in the events.
        pa.decided_at = pa.decided_at or now
        pa.decided_by = reviewer
    _move(pa, to=decision.resulting_status, actor=reviewer, kind=RequestEvent.Kind.DECIDED, data=data, ip=ip)
    note = data["note"]
    _notify(pa, f"{decision.label}: {note}".strip(": ") if note else decision.label)


@transaction.atomic
def pa_request_decide(
    *,
    pa_request_id: uuid.UUID,
    reviewer: AbstractBaseUser,
    expected_version: int,
    code: str,
    quantity: int | None = None,
    per_days: int | None = None,
    duration_months: int | None = None,
    duration_days: int | None = None,
    reasons: list[str] | None = None,
    note: str = "",
    justification: str = "",
    ip: str | None = None,
    ceiling: dict[str, Any] | None = None,
) -> PARequest:
    """A reviewer's decision on an open request, checked whole and recorded at once. `ceiling` is the policy's
    grant (selectors.policy_ceiling) when the caller has read it already, as the decision page has for its
    pre-fill; otherwise it is read here, and only for a decision that grants a quantity."""
    pa = _decision_open_get(pa_request_id=pa_request_id, expected_version=expected_version)
    decision = _decision_code_check(pa=pa, reviewer=reviewer, code=code)
    reasons = reasons or []
    errors = _reasons_errors(pa=pa, decision=decision, reasons=reasons, note=note)
    data: dict[str, Any] = {"code": decision.code, "reasons": reasons, "note": note}
    grant = None
    if decision.grants_quantity:
        ceiling = ceiling if ceiling is not None else policy_ceiling(pa_request=pa)
        grant = _grant_proposed(
            ceiling=ceiling,
            quantity=quantity,
            per_days=per_days,
            duration_months=duration_months,
            duration_days=duration_days,
        )
        errors.update(_grant_errors(pa=pa, grant=grant, ceiling=ceiling, note=note, justification=justification))
        data.update(
            quantity=grant.quantity, per_days=grant.per_days, duration=grant.duration, justification=justification
        )
    if errors:
        raise ValidationError(errors)
    _decision_record(pa=pa, reviewer=reviewer, decision=decision, grant=grant, data=data, ip=ip)
    return pa


@transaction.atomic
def pa_request_withdraw(*, pa_request: PARequest, actor, reason: str = "", ip: str | None = None) -> PARequest:
    pa = PARequest.objects.select_for_update().get(pk=pa_request.pk)
    pa.due_at = None
    _move(
        pa, to=PARequest.Status.WITHDRAWN, actor=actor, kind=RequestEvent.Kind.WITHDRAWN, data={"reason": reason}, ip=ip
    )
    return pa


def _window(pa: PARequest) -> dt.timedelta:
    payer = pa.policy_version.policy.payer
    hours = payer.expedited_review_hours if pa.urgency == PARequest.Urgency.EXPEDITED else payer.standard_review_hours
    return dt.timedelta(hours=hours)


def _locked_with_payer(*, pa_request_id: uuid.UUID) -> PARequest:
    """The request locked for a change (its row only), with the payer whose review window restarts."""
    return (
        PARequest.objects.select_for_update(of=("self",))
        .select_related("policy_version__policy__payer")
        .get(pk=pa_request_id)
    )


@transaction.atomic
def pa_request_answer(*, pa_request: PARequest, actor, answer: str, ip: str | None = None) -> PARequest:
    """The prescriber answers a request for information: the review clock starts again in full."""
    if not answer.strip():
        raise ValidationError({"answer": "Write your answer."})
    pa = _locked_with_payer(pa_request_id=pa_request.pk)
    pa.due_at = timezone.now() + _window(pa)
    _move(
        pa,
        to=PARequest.Status.PENDED,
        actor=actor,
        kind=RequestEvent.Kind.INFO_ANSWERED,
        data={"answer": answer},
        ip=ip,
    )
    return pa


@transaction.atomic
def pa_request_appeal(*, pa_request: PARequest, actor, note: str, ip: str | None = None) -> PARequest:
    if not note.strip():
        raise ValidationError({"note": "Say what is new: facts, documents or reasons for the appeal."})
    pa = _locked_with_payer(pa_request_id=pa_request.pk)
    pa.due_at = timezone.now() + _window(pa)
    _move(pa, to=PARequest.Status.APPEALED, actor=actor, kind=RequestEvent.Kind.APPEALED, data={"note": note}, ip=ip)
    return pa


def pa_requests_expire(*, today: dt.date) -> int:
    expired = 0
    for pa in PARequest.objects.filter(status__in=APPROVED_STATUSES, expires_on__lt=today):
        with transaction.atomic():
            _move(pa, to=PARequest.Status.EXPIRED, actor=None, kind=RequestEvent.Kind.EXPIRED)
            expired += 1
    return expired


def pa_request_discard(*, pa_request: PARequest) -> None:
    if pa_request.is_draft:
        pa_request.delete()


@transaction.atomic
def attachment_add(
    *,
    pa_request: PARequest,
    uploaded_by: AbstractBaseUser,
    upload: UploadedFile,
    description: str = "",
    ip: str | None = None,
) -> Attachment:
    content_type = sniff(upload)
    attachment = Attachment.objects.create(
        pa_request=pa_request,
        file=upload,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        description=description[:200],
        uploaded_by=uploaded_by,
    )
    _event(
        pa_request,
        uploaded_by,
        RequestEvent.Kind.ATTACHMENT_ADDED,
        pa_request.status,
        pa_request.status,
        {"attachment": str(attachment.pk), "name": attachment.original_name, "size": attachment.size},
        ip,
    )
    return attachment
