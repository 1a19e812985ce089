"""Determinations as one code path for the CLI, the API and the prescriber's form."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kineret_pa.engine import Determination, Request, decide, parse_request
from kineret_pa.engine.request import date_of_service

from .snapshots import catalog_get, revision_current, snapshot_get, version_for

MSG_UNKNOWN_POLICY = "Unknown policy {code!r}."
MSG_NO_VERSION = "No version of {code} is in force on {date}."


def determination_compute(
    *, data: Any, today: dt.date | None = None, revision: str | None = None
) -> tuple[Determination | None, Request | None, dict[str, list[str]]]:
    """Validate a contract request and decide it. Returns (determination, request, errors).

    `revision` is the policy-data revision when the caller has just read it (the API reads
    it with the token); otherwise it is read here."""
    today = today or timezone.localdate()
    revision = revision or revision_current()
    request, errors = parse_request(data, catalog_get(revision), today=today)
    version_id = None
    if isinstance(data, dict) and isinstance(data.get("policy"), str) and data["policy"].strip():
        code = data["policy"].strip()
        # Even when other fields are wrong, name an unknown policy or a date with no version in force.
        on = request.date_of_service if request else date_of_service(data, today)
        if not errors.get("date_of_service"):
            version_id, problem = version_for(code, on, revision)
            if problem == "policy":
                errors.setdefault("policy", []).append(MSG_UNKNOWN_POLICY.format(code=code))
            elif problem == "date_of_service":
                errors.setdefault("date_of_service", []).append(MSG_NO_VERSION.format(code=code, date=on.isoformat()))
    if errors or request is None:
        return None, None, errors
    determination, errors = decide(snapshot_get(version_id, revision), request)
    return determination, request, errors
