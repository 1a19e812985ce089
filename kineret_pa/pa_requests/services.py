"""Business actions on requests: keyword-only, validate then save."""
from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kineret_pa.engine import parse_request
from kineret_pa.engine.evaluate import quantity_if_covered
from kineret_pa.policies.models import PolicyVersion
from kineret_pa.policies.services import determination_compute
from kineret_pa.policies.snapshots import catalog_get, revision_current, snapshot_get

from .models import (
    APPROVED_STATUSES, QUEUE_STATUSES, Notification, PARequest, PrescriberProfile, RequestEvent, ReviewDecisionCode,
)
from .tasks import notification_email_send
from .transitions import IllegalTransition, transition_check

STATUS_FOR_DECISION = {
    "approve": PARequest.Status.APPROVED,
    "partial": PARequest.Status.PARTIAL,
    "deny": PARequest.Status.PENDED,  # never an automatic denial: a reviewer decides
    "refer": PARequest.Status.REFERRED,
}
DECISION_WORDS = {
    "approve": "Approved",
    "partial": "Approved for a reduced quantity",
    "deny": "Pended for clinical review",
    "refer": "Referred to a pharmacist",
}


class SubmitError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def pa_request_get_for_user(user, pk) -> PARequest:
    """Every view reaches a request through here: another prescriber's request is a 404."""
    try:
        return PARequest.objects.select_related("policy_version__policy").get(pk=pk, owner=user)
    except (PARequest.DoesNotExist, ValueError):
        raise Http404("No such request.") from None


MSG_TOO_MANY_DRAFTS = ("You already have {limit} drafts open, the most one account can keep. "
                       "Submit or discard a draft from My requests before starting another.")


def pa_request_create(*, owner, renewal_of: PARequest | None = None) -> PARequest:
    # Bounds what one account can store; two simultaneous starts may pass one over the limit, which is harmless.
    limit = settings.MAX_OPEN_DRAFTS
    if PARequest.objects.filter(owner=owner, status=PARequest.Status.DRAFT).count() >= limit:
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


def _set(data: dict, path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = value


def _answer(value: str) -> Any:
    return {"yes": True, "no": False}.get(value, value)


def request_build(steps: dict[str, Any]) -> dict[str, Any]:
    """The contract request from the steps' cleaned data (formset steps: lists of rows)."""
    policy, patient, diagnosis = steps["policy"], steps.get("patient", {}), steps.get("diagnosis", {})
    data: dict[str, Any] = {
        "policy": policy["policy"],
        "benefit": policy["benefit"],
        "request_type": policy["request_type"],
        "date_of_service": policy["date_of_service"].isoformat(),
        "patient": {"age_years": patient.get("age_years"), "weight_kg": patient.get("weight_kg")},
    }
    if policy.get("plan"):
        data["plan"] = policy["plan"]
    if diagnosis.get("diagnosis_slug"):
        data["diagnosis"] = diagnosis["diagnosis_slug"]
    if diagnosis.get("icd10_code"):
        data["icd10"] = diagnosis["icd10_code"]
    if diagnosis.get("severity"):
        data["severity"] = diagnosis["severity"]
    if "therapies" in steps:
        data["prior_therapies"] = [
            {"drug": row["drug"], "months": None if row.get("months") is None else float(row["months"]), "outcome": row["outcome"]}
            for row in steps["therapies"]
        ]
    if "concomitant" in steps:
        data["concomitant_drugs"] = [row["drug"] for row in steps["concomitant"]]
    for name, value in steps.get("screening", {}).items():
        if value not in ("", None):
            _set(data, name.replace("__", "."), _answer(value))
    answers = {name[3:]: _answer(value) for name, value in steps.get("questions", {}).items() if value}
    if answers:
        data["answers"] = answers
    dose = steps.get("dose")
    if dose:
        data["dose"] = {
            "mg_per_day": float(dose["mg_per_day"]) if dose.get("mg_per_day") is not None else None,
            "quantity": dose.get("quantity"),
            "days_supply": dose.get("days_supply"),
            "channel": dose.get("channel") or "retail",
        }
        if dose.get("max_dose_trial_months") is not None:
            data["dose"]["max_dose_trial_months"] = float(dose["max_dose_trial_months"])
        if dose.get("higher_dose_support"):
            data["dose"]["higher_dose_support_submitted"] = _answer(dose["higher_dose_support"])
    return data


def _due_at(version: PolicyVersion, urgency: str, now: dt.datetime) -> dt.datetime:
    payer = version.policy.payer
    hours = payer.expedited_review_hours if urgency == PARequest.Urgency.EXPEDITED else payer.standard_review_hours
    return now + dt.timedelta(hours=hours)


def _profile_dict(profile: PrescriberProfile) -> dict[str, str]:
    return {"full_name": profile.full_name, "specialty": profile.specialty, "npi": profile.npi,
            "phone": profile.phone, "fax": profile.fax}


@transaction.atomic
def pa_request_submit(*, pa_request_id, owner, contract_request: dict, answers: dict, urgency: str,
                      patient_name: str, member_id: str, profile: PrescriberProfile) -> PARequest:
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
    _event(pa, owner, "submitted", PARequest.Status.DRAFT, pa.status, {"decision": determination.decision})
    return pa


def _expiry(start: dt.date, duration: dict | None) -> dt.date | None:
    """The approval's last day: the same day number `months` later (the month's last day when that month is
    shorter, so 01-31 + 1 month is 02-28), or `days` later. `start` is the local date the approval was given."""
    if not duration:
        return None
    if duration.get("days"):
        return start + dt.timedelta(days=duration["days"])
    return start + relativedelta(months=duration["months"])


def _event(pa: PARequest, actor, kind: str, from_status: str, to_status: str, data: dict | None = None, ip: str | None = None):
    RequestEvent.objects.create(pa_request=pa, actor=actor, kind=kind, from_status=from_status, to_status=to_status,
                                data=data or {}, ip_address=ip)


def _move(pa: PARequest, *, to: str, actor, kind: str, data: dict | None = None, ip: str | None = None) -> None:
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
        body = f"Request {pa.number} is now: {pa.get_status_display()}.\n\nSign in to Kineret PA to read the decision and its reasons."
        # Queued once the decision is committed; a worker sends it, never the web request.
        transaction.on_commit(lambda: notification_email_send.enqueue(pa.owner.email, subject, body))


MSG_CONCURRENT = "Another reviewer acted on this request first ({status}). Your entries are kept below; review the new state before deciding."
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


def decision_codes_for(pa: PARequest):
    applies = "appeal" if pa.status == PARequest.Status.APPEALED else "review"
    return list(ReviewDecisionCode.objects.filter(applies_to=applies))


def policy_ceiling(pa: PARequest) -> dict | None:
    """The quantity, period and duration the policy would grant, to pre-fill and bound a reviewer's approval."""
    revision = revision_current()
    request, errors = parse_request(pa.contract_request, catalog_get(revision), today=timezone.localdate(pa.submitted_at))
    if errors or pa.policy_version_id is None:
        return None
    return quantity_if_covered(snapshot_get(pa.policy_version_id, revision), request)


def pa_request_get_for_reviewer(user, pk) -> PARequest:
    if not user.has_perm("pa_requests.review_parequest"):
        raise Http404("No such request.")
    try:
        return PARequest.objects.select_related("policy_version__policy__payer", "owner").exclude(status=PARequest.Status.DRAFT).get(pk=pk)
    except (PARequest.DoesNotExist, ValueError):
        raise Http404("No such request.") from None


@transaction.atomic
def pa_request_decide(*, pa_request_id, reviewer, expected_version: int, code: str, quantity: int | None = None,
                      per_days: int | None = None, duration_months: int | None = None, duration_days: int | None = None,
                      reasons: list[str] | None = None, note: str = "", justification: str = "", ip: str | None = None) -> PARequest:
    pa = PARequest.objects.select_for_update().get(pk=pa_request_id)
    if pa.row_version != expected_version:
        raise ConcurrentDecision(MSG_CONCURRENT.format(status=pa.get_status_display()))
    if pa.status not in QUEUE_STATUSES:
        raise IllegalTransition(MSG_NOT_OPEN)
    # Segregation of duties: whoever submitted a request never decides it, not even to ask for information.
    if pa.owner_id == reviewer.pk:
        raise ValidationError({"code": MSG_OWN_REQUEST})
    decision = next((c for c in decision_codes_for(pa) if c.code == code), None)
    if decision is None:
        raise ValidationError({"code": MSG_UNKNOWN_CODE})
    if pa.status == PARequest.Status.APPEALED and pa.denied_by_id == reviewer.pk:
        raise ValidationError({"code": MSG_SAME_REVIEWER})
    errors: dict[str, str] = {}
    reasons = reasons or []
    unmet = {r["clause"] for r in (pa.determination or {}).get("reasons", []) if not r["met"]}
    if decision.requires_reasons and (not reasons or not set(reasons) <= unmet):
        errors["reasons"] = MSG_REASONS
    if decision.requires_reasons and not note.strip():
        errors["note"] = MSG_NOTE
    data: dict = {"code": decision.code, "reasons": reasons, "note": note}
    if decision.grants_quantity:
        ceiling = policy_ceiling(pa) or {}
        limit_q, limit_d = ceiling.get("approved_quantity"), ceiling.get("per_days")
        if quantity and limit_q and (per_days or limit_d) and quantity / (per_days or limit_d) > limit_q / limit_d + 1e-9:
            errors["quantity"] = MSG_OVER_LIMIT.format(quantity=limit_q, days=limit_d)
        proposed = ({"months": duration_months} if duration_months else {"days": duration_days}) if (duration_months or duration_days) else ceiling.get("duration")
        changed = (quantity, per_days, proposed) != (limit_q, limit_d, ceiling.get("duration"))
        if changed and not note.strip():
            errors["note"] = MSG_CHANGED
        if pa.decision == "deny" and pa.status != PARequest.Status.APPEALED and not justification.strip():
            errors["justification"] = MSG_JUSTIFY
        data.update(quantity=quantity, per_days=per_days, duration=proposed, justification=justification)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if decision.grants_quantity:
        pa.approved_quantity, pa.approved_per_days = quantity, per_days
        pa.expires_on = _expiry(timezone.localdate(now), data["duration"])
    if decision.resulting_status in (PARequest.Status.DENIED, PARequest.Status.UPHELD):
        pa.denied_by = reviewer
    if decision.resulting_status == PARequest.Status.INFO_REQUESTED:
        pa.due_at = None  # the clock stops until the prescriber answers
    else:
        # The first decision's time is the one published (submission to decision); an appeal's is in the events.
        pa.decided_at = pa.decided_at or now
        pa.decided_by = reviewer
    _move(pa, to=decision.resulting_status, actor=reviewer, kind="decided", data=data, ip=ip)
    _notify(pa, f"{decision.label}: {note}".strip(": ") if note else decision.label)
    return pa


@transaction.atomic
def pa_request_withdraw(*, pa_request: PARequest, actor, reason: str = "", ip: str | None = None) -> PARequest:
    pa = PARequest.objects.select_for_update().get(pk=pa_request.pk)
    pa.due_at = None
    _move(pa, to=PARequest.Status.WITHDRAWN, actor=actor, kind="withdrawn", data={"reason": reason}, ip=ip)
    return pa


def _window(pa: PARequest) -> dt.timedelta:
    payer = pa.policy_version.policy.payer
    hours = payer.expedited_review_hours if pa.urgency == PARequest.Urgency.EXPEDITED else payer.standard_review_hours
    return dt.timedelta(hours=hours)


@transaction.atomic
def pa_request_answer(*, pa_request: PARequest, actor, answer: str, ip: str | None = None) -> PARequest:
    """The prescriber answers a request for information: the review clock starts again in full."""
    if not answer.strip():
        raise ValidationError({"answer": "Write your answer."})
    pa = PARequest.objects.select_for_update(of=("self",)).select_related("policy_version__policy__payer").get(pk=pa_request.pk)
    pa.due_at = timezone.now() + _window(pa)
    _move(pa, to=PARequest.Status.PENDED, actor=actor, kind="info_answered", data={"answer": answer}, ip=ip)
    return pa


@transaction.atomic
def pa_request_appeal(*, pa_request: PARequest, actor, note: str, ip: str | None = None) -> PARequest:
    if not note.strip():
        raise ValidationError({"note": "Say what is new: facts, documents or reasons for the appeal."})
    pa = PARequest.objects.select_for_update(of=("self",)).select_related("policy_version__policy__payer").get(pk=pa_request.pk)
    pa.due_at = timezone.now() + _window(pa)
    _move(pa, to=PARequest.Status.APPEALED, actor=actor, kind="appealed", data={"note": note}, ip=ip)
    return pa


def pa_requests_expire(*, today: dt.date) -> int:
    expired = 0
    for pa in PARequest.objects.filter(status__in=APPROVED_STATUSES, expires_on__lt=today):
        with transaction.atomic():
            _move(pa, to=PARequest.Status.EXPIRED, actor=None, kind="expired")
            expired += 1
    return expired


def pa_request_discard(*, pa_request: PARequest) -> None:
    if pa_request.is_draft:
        pa_request.delete()


@transaction.atomic
def attachment_add(*, pa_request: PARequest, uploaded_by, upload, description: str = "", ip: str | None = None):
    from .models import Attachment
    from .uploads import sniff

    content_type = sniff(upload)
    attachment = Attachment.objects.create(
        pa_request=pa_request, file=upload, original_name=upload.name[:200], content_type=content_type,
        size=upload.size, description=description[:200], uploaded_by=uploaded_by,
    )
    _event(pa_request, uploaded_by, "attachment_added", pa_request.status, pa_request.status,
           {"attachment": str(attachment.pk), "name": attachment.original_name, "size": attachment.size}, ip)
    return attachment


def attachment_get_for_user(user, pk):
    """The owner, or a reviewer, may read an attachment; anyone else gets a 404."""
    from .models import Attachment

    try:
        attachment = Attachment.objects.select_related("pa_request").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError):
        raise Http404("No such file.") from None
    if attachment.pa_request.owner_id != user.pk and not user.has_perm("pa_requests.review_parequest"):
        raise Http404("No such file.")
    return attachment
