"""Determinations as one code path for the CLI, the API and the prescriber's form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kineret_pa.engine import Determination, Request, decide, parse_request
from kineret_pa.engine.request import date_of_service

from .snapshots import PolicyData, VersionProblem, policy_data_get

MSG_UNKNOWN_POLICY = "Unknown policy {code!r}."
MSG_NO_VERSION = "No version of {code} is in force on {date}."
MSG_VERSION_NOT_TEXT = "Name a version by its effective date, e.g. 2026-01-01."
MSG_NO_SUCH_VERSION = "{code} has no version effective {label}. Its versions: {labels}."


def determination_compute(
    *, data: Any, policy_data: PolicyData | None = None, today: dt.date | None = None
) -> tuple[Determination | None, Request | None, dict[str, list[str]]]:
    """Validate a contract request and decide it. Returns (determination, request, errors).

    `policy_data` is the caller's for this request (the API's comes with the token check);
    without it, the policy data in force is read here."""
    today = today or timezone.localdate()
    policy_data = policy_data if policy_data is not None else policy_data_get()
    request, errors = parse_request(data, policy_data.catalog, today=today)
    version_id = None
    if isinstance(data, dict) and isinstance(data.get("policy"), str) and data["policy"].strip():
        code = data["policy"].strip()
        # Even when other fields are wrong, name an unknown policy or a date with no version in force.
        on = request.date_of_service if request else date_of_service(data, today)
        named = data.get("version")
        if named is not None and not (isinstance(named, str) and named.strip()):
            errors.setdefault("version", []).append(MSG_VERSION_NOT_TEXT)
        elif named is not None:
            version_id, problem = policy_data.version_named(code, named.strip())
            if problem is VersionProblem.UNKNOWN_POLICY:
                errors.setdefault("policy", []).append(MSG_UNKNOWN_POLICY.format(code=code))
            elif problem is VersionProblem.NO_SUCH_VERSION:
                labels = ", ".join(policy_data.version_labels(code))
                errors.setdefault("version", []).append(
                    MSG_NO_SUCH_VERSION.format(code=code, label=named.strip()[:40], labels=labels)
                )
        elif not errors.get("date_of_service"):
            version_id, problem = policy_data.version_for(code, on)
            if problem is VersionProblem.UNKNOWN_POLICY:
                errors.setdefault("policy", []).append(MSG_UNKNOWN_POLICY.format(code=code))
            elif problem is VersionProblem.NO_VERSION_ON_DATE:
                errors.setdefault("date_of_service", []).append(MSG_NO_VERSION.format(code=code, date=on.isoformat()))
    if errors or request is None:
        return None, None, errors
    determination, errors = decide(policy_data.snapshot(version_id), request)
    return determination, request, errors
