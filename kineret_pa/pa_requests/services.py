"""Business actions on requests: keyword-only, validate then save."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from kineret_pa.policies.models import PolicyVersion
from kineret_pa.policies.services import determination_compute

from .models import PARequest, PrescriberProfile

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


def pa_request_create(*, owner, renewal_of: PARequest | None = None) -> PARequest:
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
    pa.status = STATUS_FOR_DECISION[determination.decision]
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
    pa.save()
    return pa


def pa_request_discard(*, pa_request: PARequest) -> None:
    if pa_request.is_draft:
        pa_request.delete()
