"""Da Vinci CRD 2.0.1 over CDS Hooks (order-sign): reading the hook request and writing cards. No Django here:
the lookups (payers, policies, approvals) are in selectors.py and handed in as plain values."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage
from pydantic import ValidationError

from .conformance import COVERAGE_INFORMATION_URL

SERVICE_ID = "kineret-pa-order-sign"
HOOK = "order-sign"
CRD_TEMP = "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# The RxNorm codes accepted for an order, declared here only: 72435 is anakinra's ingredient concept (RxCUI).
# Each maps to a name the catalog knows, so the drug is still found through the catalog's names (data).
RXNORM_NAMES: Mapping[str, str] = {"72435": "anakinra"}
COVERAGE_CLASS_PLAN = "plan"
MEMBER_ID_TYPE = "MB"  # HL7 v2 table 0203 "Member Number", how US Core and CARIN mark the member id

SERVICE_TITLE = "Kineret prior authorization (CRD)"
SERVICE_DESCRIPTION = (
    "Tells whether a Kineret (anakinra) order needs prior authorization under the patient's coverage, "
    "links to the guided request form, and marks the order with Da Vinci CRD coverage information."
)
# CDS Hooks prefetch templates: the coverage is what the service needs (the patient names the member).
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "coverage": "Coverage?patient={{context.patientId}}&status=active",
}

SUMMARY_AUTH_NEEDED = "{drug} needs prior authorization under {payer} {number}"
SUMMARY_ABOVE_LIMIT = "{drug} needs prior authorization above the quantity limit of {payer} {number}"
SUMMARY_SATISFIED = "{drug} is covered by approved prior authorization {request} ({payer} {number})"
SUMMARY_UNKNOWN = "Kineret PA could not determine coverage for {drug}: the payer is not one it knows"
DETAIL_POLICY = "Policy: {payer} {number} — {title}."
DETAIL_PLAN = "Plan: {plan}."
DETAIL_PLAN_NEEDED = "The policy depends on the plan option ({plans}); the coverage names none of them."
DETAIL_SATISFIED = "Approved request {request} is in force until {until}: no new request is needed."
DETAIL_UNKNOWN = "No payer in Kineret PA matches this coverage ({payor}). Check the patient's coverage."
LINK_LABEL = "Start a prior-authorization request (guided form)"
ACTION_DESCRIPTION = "Record the coverage information of {payer} {number} on this order."
SOURCE_LABEL = "Kineret PA"
MAX_SUMMARY = 140  # CDS Hooks: "<140 characters"

MSG_NOT_OBJECT = "The body must be a JSON object (a CDS Hooks request)."
MSG_HOOK = "This service answers the order-sign hook only."
MSG_REQUIRED = "Required."
MSG_NOT_A_STRING = "Must be a string."
MSG_NOT_BUNDLE = "Must be a FHIR Bundle."
MSG_NOT_COVERAGE = "Must be a Coverage, or a Bundle of them."
MSG_INVALID = "Not a valid FHIR resource: {problem}"

# What each kind of policy (policy data) says of an order before anything is known of the patient: a quantity
# policy needs an authorization only above its limit (CRD's "conditional"), the others for every order.
KIND_CODES: Mapping[str, tuple[str, str]] = {  # kind -> (pa-needed, doc-needed)
    "quantity": ("conditional", "conditional"),
    "prior_auth": ("auth-needed", "clinical"),
    "coverage": ("auth-needed", "clinical"),
}


class HookRequestError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems  # (FHIRPath-like location, message)


@dataclass(frozen=True)
class CoverageTerms:
    reference: dict  # {"reference": "Coverage/<id>"}, or the payor's name when the Coverage has no id
    payor_names: tuple[str, ...]  # payor displays and identifier values, as sent
    plan: str | None  # the value of the class of type "plan"
    member_id: str | None


@dataclass(frozen=True)
class OrderSign:
    hook_instance: str
    patient_id: str | None
    orders: tuple[dict, ...]  # the MedicationRequests of draftOrders, as sent
    coverage: CoverageTerms | None


@dataclass(frozen=True)
class PolicyRef:
    """A payer's policy for a drug, as the selectors read it from policy data."""

    code: str
    number: str
    title: str
    kind: str
    drug_id: int
    drug_name: str  # the brand as prescribers say it (Kineret), else the generic name
    payer_name: str
    payer_keys: frozenset[str]  # normalized payer name and slug
    plans: Mapping[str, str]  # plan code -> name


@dataclass(frozen=True)
class Approval:
    number: str
    expires_on: dt.date


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _pydantic_problems(error: ValidationError, prefix: str) -> list[tuple[str, str]]:
    return [
        (".".join([prefix, *(str(p) for p in item["loc"])]), MSG_INVALID.format(problem=item["msg"]))
        for item in error.errors()[:10]
    ]


def hook_request_parse(data) -> OrderSign:
    """The order-sign request, every resource validated by fhir.resources; HookRequestError names each problem."""
    if not isinstance(data, dict):
        raise HookRequestError([("$", MSG_NOT_OBJECT)])
    problems: list[tuple[str, str]] = []
    if data.get("hook") != HOOK:
        problems.append(("hook", MSG_HOOK))
    if not isinstance(data.get("hookInstance"), str):
        problems.append(("hookInstance", MSG_REQUIRED if "hookInstance" not in data else MSG_NOT_A_STRING))
    context = data.get("context")
    if not isinstance(context, dict):
        raise HookRequestError([*problems, ("context", MSG_REQUIRED)])
    patient_id = context.get("patientId")
    if patient_id is not None and not isinstance(patient_id, str):
        problems.append(("context.patientId", MSG_NOT_A_STRING))
    draft = context.get("draftOrders")
    orders: tuple[dict, ...] = ()
    if draft is None:
        problems.append(("context.draftOrders", MSG_REQUIRED))
    elif not isinstance(draft, dict) or draft.get("resourceType") != "Bundle":
        problems.append(("context.draftOrders", MSG_NOT_BUNDLE))
    else:
        try:
            Bundle.model_validate(draft)
        except ValidationError as error:
            problems.extend(_pydantic_problems(error, "context.draftOrders"))
        else:
            resources = [entry.get("resource") or {} for entry in draft.get("entry") or []]
            orders = tuple(r for r in resources if r.get("resourceType") == "MedicationRequest")
    prefetch = data.get("prefetch")
    coverage = None
    if isinstance(prefetch, dict) and prefetch.get("coverage") is not None:
        try:
            coverage = _coverage_terms(prefetch["coverage"])
        except HookRequestError as error:
            problems.extend(error.problems)
    if problems:
        raise HookRequestError(problems)
    return OrderSign(data["hookInstance"], patient_id, orders, coverage)


def _coverage_terms(found) -> CoverageTerms | None:
    """The first Coverage of the prefetch (a Coverage, or a search Bundle of them)."""
    if not isinstance(found, dict) or found.get("resourceType") not in ("Coverage", "Bundle"):
        raise HookRequestError([("prefetch.coverage", MSG_NOT_COVERAGE)])
    try:
        if found["resourceType"] == "Bundle":
            bundle = Bundle.model_validate(found)
            resources = [e.resource for e in bundle.entry or [] if e.resource is not None]
            coverages = [r for r in resources if isinstance(r, Coverage)]
        else:
            coverages = [Coverage.model_validate(found)]
    except ValidationError as error:
        raise HookRequestError(_pydantic_problems(error, "prefetch.coverage")) from None
    if not coverages:
        return None
    coverage = coverages[0]
    names = []
    for payor in coverage.payor or []:
        names += [payor.display] if payor.display else []
        names += [payor.identifier.value] if payor.identifier and payor.identifier.value else []
    plan = next(
        (
            c.value
            for c in coverage.class_fhir or []
            if any(coding.code == COVERAGE_CLASS_PLAN for coding in c.type.coding or [])
        ),
        None,
    )
    member_id = coverage.subscriberId
    for identifier in coverage.identifier or []:
        codes = [coding.code for coding in (identifier.type.coding or [])] if identifier.type else []
        if MEMBER_ID_TYPE in codes and identifier.value:
            member_id = identifier.value
    reference = {"reference": f"Coverage/{coverage.id}"} if coverage.id else {"display": (names or ["Coverage"])[0]}
    return CoverageTerms(reference, tuple(names), plan, member_id)


def order_drug_id(order: dict, drug_id: Callable[[str], int | None]) -> int | None:
    """The catalog's drug for an order: the RxNorm code, else the coding display or text, whole or word by word."""
    concept = order.get("medicationCodeableConcept") or {}
    texts = []
    for coding in concept.get("coding") or []:
        if coding.get("system") == RXNORM and coding.get("code") in RXNORM_NAMES:
            texts.append(RXNORM_NAMES[coding["code"]])
        texts += [coding["display"]] if isinstance(coding.get("display"), str) else []
    texts += [concept["text"]] if isinstance(concept.get("text"), str) else []
    for text in texts:
        for candidate in (text, *re.findall(r"[A-Za-z][A-Za-z-]+", text)):
            found = drug_id(candidate)
            if found is not None:
                return found
    return None


def policy_for(coverage: CoverageTerms | None, drug: int, policies: list[PolicyRef]) -> PolicyRef | None:
    """The payer's policy for the drug: the coverage's payor (display or identifier) against the payers' names and
    slugs, all of it policy data. A payer with several policies for a drug: the first by code."""
    if coverage is None:
        return None
    keys = {_norm(name) for name in coverage.payor_names}
    matches = [p for p in policies if p.drug_id == drug and not keys.isdisjoint(p.payer_keys)]
    return min(matches, key=lambda p: p.code, default=None)


def coverage_information(
    *, policy: PolicyRef, coverage: CoverageTerms, approval: Approval | None, today: dt.date
) -> dict:
    """The CRD coverage-information extension for one order (profile ext-coverage-information)."""
    pa_needed, doc_needed = KIND_CODES[policy.kind]
    parts: list[tuple[str, str, object]] = [
        ("coverage", "valueReference", coverage.reference),
        ("covered", "valueCode", "conditional"),
    ]
    if approval is not None:
        # An approval in force: no request and no documentation are needed for this order.
        parts.append(("pa-needed", "valueCode", "satisfied"))
    else:
        parts += [("pa-needed", "valueCode", pa_needed), ("doc-needed", "valueCode", doc_needed)]
        if policy.plans and _plan_code(policy, coverage) is None:
            parts.append(("info-needed", "valueCode", "OTH"))  # the plan option the policy distinguishes
    parts += [
        ("date", "valueDate", today.isoformat()),
        ("coverage-assertion-id", "valueString", uuid.uuid4().hex),
    ]
    if approval is not None:
        parts.append(("satisfied-pa-id", "valueString", approval.number))
    return {"url": COVERAGE_INFORMATION_URL, "extension": [{"url": url, key: value} for url, key, value in parts]}


def _plan_code(policy: PolicyRef, coverage: CoverageTerms) -> str | None:
    plan = _norm(coverage.plan or "")
    return next((code for code in policy.plans if _norm(code) == plan), None)


def _fit(summary: str) -> str:
    return summary if len(summary) < MAX_SUMMARY else summary[: MAX_SUMMARY - 2] + "…"


def card_for(
    *,
    policy: PolicyRef,
    coverage: CoverageTerms,
    approval: Approval | None,
    order: dict,
    extension: dict,
    form_url: str,
    source_url: str,
) -> tuple[dict, dict]:
    """(the card, its systemAction) for an anakinra order under a known policy."""
    words = {"drug": policy.drug_name, "payer": policy.payer_name, "number": policy.number}
    details = [DETAIL_POLICY.format(title=policy.title, **words)]
    plan = _plan_code(policy, coverage)
    if plan is not None:
        details.append(DETAIL_PLAN.format(plan=policy.plans[plan]))
    elif policy.plans:
        details.append(DETAIL_PLAN_NEEDED.format(plans=", ".join(policy.plans.values())))
    if approval is not None:
        summary = SUMMARY_SATISFIED.format(request=approval.number, **words)
        details.append(DETAIL_SATISFIED.format(request=approval.number, until=approval.expires_on.isoformat()))
        indicator = "info"
    else:
        template = SUMMARY_ABOVE_LIMIT if KIND_CODES[policy.kind][0] == "conditional" else SUMMARY_AUTH_NEEDED
        summary = template.format(**words)
        indicator = "warning"
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": _fit(summary),
        "detail": " ".join(details),
        "indicator": indicator,
        "source": _source(source_url),
        "links": [{"label": LINK_LABEL, "url": form_url, "type": "absolute"}],
    }
    updated = {**order, "extension": [*(order.get("extension") or []), extension]}
    action = {"type": "update", "description": ACTION_DESCRIPTION.format(**words), "resource": updated}
    return card, action


def card_unknown(*, drug_name: str, coverage: CoverageTerms | None, source_url: str) -> dict:
    payor = ", ".join(coverage.payor_names) if coverage and coverage.payor_names else "no payer named"
    return {
        "uuid": str(uuid.uuid4()),
        "summary": _fit(SUMMARY_UNKNOWN.format(drug=drug_name)),
        "detail": DETAIL_UNKNOWN.format(payor=payor),
        "indicator": "info",
        "source": _source(source_url),
    }


def _source(url: str) -> dict:
    return {"label": SOURCE_LABEL, "url": url, "topic": {"system": CRD_TEMP, "code": "coverage-info"}}


def discovery() -> dict:
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": SERVICE_TITLE,
                "description": SERVICE_DESCRIPTION,
                "prefetch": dict(PREFETCH),
            }
        ]
    }


def operation_outcome(problems: list[tuple[str, str]], code: str = "invalid") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": message, "expression": [path]}
            for path, message in problems
        ],
    }
