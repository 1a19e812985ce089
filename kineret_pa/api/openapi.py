"""The API's OpenAPI document, generated from the engine's fact vocabulary (one place for each fact)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from kineret_pa.engine.facts import (
    DATA_FACTS,
    ENUM_FACTS,
    GROUPS,
    NUMBER_FACTS,
    OUTCOMES,
    TOP_LEVEL_FACTS,
    TRIAL_FIELDS,
    DataFact,
    EnumFact,
    NumberFact,
)
from kineret_pa.engine.needs import facts_needed, limit_may_apply
from kineret_pa.engine.request import ICD10_RE, MAX_ITEMS, MAX_TEXT
from kineret_pa.engine.snapshot import Catalog, Snapshot

WEIGHT = "patient.weight_kg"


def _number_schema(spec: NumberFact) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": ["integer", "null"] if spec.integer else ["number", "null"],
        "maximum": spec.maximum,
        "description": f"{spec.label} ({spec.unit})",
    }
    schema["exclusiveMinimum" if spec.minimum_exclusive else "minimum"] = spec.minimum
    return schema


def _fact_schema(path: str, catalog: Catalog) -> dict[str, Any]:
    return _spec_schema(DATA_FACTS.get(path) or NUMBER_FACTS.get(path) or ENUM_FACTS[path], catalog)


def _spec_schema(spec: EnumFact | NumberFact | DataFact, catalog: Catalog) -> dict[str, Any]:
    if isinstance(spec, DataFact):  # its values are the catalog's (every payer's plans, the specialties…)
        values = list(catalog.fact_values.get(spec.path, {}))
        return {"type": ["string", "null"], "enum": [*values, None], "description": spec.label}
    if isinstance(spec, NumberFact):
        return _number_schema(spec)
    if spec.yes_no:
        return {"type": ["boolean", "null"], "description": spec.label}
    return {"type": ["string", "null"], "enum": [*spec.values, None], "description": spec.label}


def _days(first: int, last: int) -> str:
    return "(" + "|".join(f"{day:02d}" for day in range(first, last + 1)) + ")"


def date_pattern(start: dt.date, end: dt.date) -> str:
    """A regular expression for the ISO dates from start to end inclusive (JSON Schema has no date range)."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = calendar.monthrange(year, month)[1]
        first_day = start.day if (year, month) == (start.year, start.month) else 1
        last_day = end.day if (year, month) == (end.year, end.month) else last
        months.append(f"{year:04d}-{month:02d}-{_days(first_day, last_day)}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return "^(" + "|".join(months) + ")$"


def weight_required(snap: Snapshot, diagnosis: str) -> bool:
    """Whether a weight-based rule may apply to the diagnosis (the engine then refuses a blank weight): a
    weight-based quantity limit, or a criterion that reads the weight (a per-kg dose maximum). Stricter than the
    engine where such a criterion is not reached, which a schema may be: every body it allows is decided."""
    # Any request type: the schema cannot tell which one a body will name.
    request_types = ENUM_FACTS["request_type"].values
    return any(
        limit.kind in ("per_kg", "weight_table") and limit_may_apply(snap, limit, diagnosis)
        for request_type in request_types
        for limit in snap.limits_for(request_type=request_type, diagnosis=diagnosis)
    ) or any(
        "patient.weight_kg" in facts_needed(snap, diagnosis=diagnosis, request_type=request_type)
        for request_type in request_types
    )


def _diagnosis_branches(catalog: Catalog, snapshots: dict[str, Snapshot]) -> list[dict[str, Any]]:
    """What the parser and the engine check across fields: the diagnosis or a code that names it, the code
    consistent with it, and a weight wherever a weight-based limit of the chosen policy may apply."""
    listed = sorted({entry.code_from for entry in catalog.icd10} | {entry.code_to for entry in catalog.icd10})
    listed = [code for code in listed if ICD10_RE.match(code)]
    branches = []
    for slug in sorted(slug for slug, d in catalog.diagnoses.items() if d.selectable):
        names = [slug, *sorted(alias for alias, target in catalog.diagnosis_aliases.items() if target == slug)]
        naming = [code for code in listed if slug in catalog.icd10_diagnoses(code)]
        only = [code for code in listed if catalog.icd10_diagnoses(code) == (slug,)]
        ways = [({"diagnosis": {"enum": names}, "icd10": {"enum": [*naming, None]}}, ["diagnosis"])]
        if only:
            ways.append(({"diagnosis": {"type": "null"}, "icd10": {"enum": only}}, ["icd10"]))
        weighed = sorted(code for code, snap in snapshots.items() if weight_required(snap, slug))
        others = sorted(set(snapshots) - set(weighed))
        for properties, required in ways:
            if weighed:
                branches.append(
                    {
                        "required": [*required, "patient"],
                        "properties": {
                            **properties,
                            "policy": {"enum": weighed},
                            "patient": {
                                "type": "object",
                                "required": ["weight_kg"],
                                "properties": {"weight_kg": {"type": "number"}},
                            },
                        },
                    }
                )
            if others:
                branches.append({"required": required, "properties": {**properties, "policy": {"enum": others}}})
    return branches


def openapi_document(
    *, catalog: Catalog, snapshots: dict[str, Snapshot], dates: tuple[dt.date, dt.date]
) -> dict[str, Any]:
    """`snapshots`: each policy's version in force today; `dates`: the dates of service every policy accepts."""
    diagnoses = sorted(
        [slug for slug, d in catalog.diagnoses.items() if d.selectable] + list(catalog.diagnosis_aliases)
    )
    policies = sorted(snapshots)
    questions = sorted(catalog.question_codes)
    top = {path: _fact_schema(path, catalog) for path in TOP_LEVEL_FACTS}
    groups = {
        group: {
            "type": ["object", "null"],
            "additionalProperties": False,
            "properties": {name: _fact_schema(f"{group}.{name}", catalog) for name in names},
        }
        for group, names in GROUPS.items()
    }
    drug = {
        "type": "string",
        "maxLength": MAX_TEXT,
        "enum": sorted(catalog.drug_names),
        "description": "generic or brand name, case-insensitive",
    }
    request = {
        "type": "object",
        "additionalProperties": False,
        "required": ["policy"],
        "anyOf": _diagnosis_branches(catalog, snapshots),
        "properties": {
            "policy": {"type": "string", "enum": policies},
            "date_of_service": {
                "type": ["string", "null"],
                "format": "date",
                "pattern": date_pattern(*dates),
                "description": f"ISO date from {dates[0]} (every policy in force) to {dates[1]} "
                "(a year ahead); blank is today",
            },
            # The parser also takes a version's effective date here (policy staff trying a draft); the document
            # lists only the default so that every body it allows is decided by the version in force.
            "version": {
                "type": "null",
                "description": "blank: the version in force on the date of service. Policy staff may name a "
                "version of the policy by its effective date (e.g. a draft) to try it; see docs/policy-authoring.md",
            },
            "diagnosis": {"type": ["string", "null"], "enum": [*diagnoses, None]},
            "icd10": {
                "type": ["string", "null"],
                "maxLength": 10,
                "pattern": ICD10_RE.pattern,
                "description": "ICD-10-CM code; without a diagnosis it must name exactly one",
            },
            "prior_therapies": {
                "type": ["array", "null"],
                "maxItems": MAX_ITEMS,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["drug", "outcome"],
                    "properties": {
                        "drug": drug,
                        "outcome": {"type": "string", "enum": list(OUTCOMES)},
                        **{name: _spec_schema(spec, catalog) for name, spec in TRIAL_FIELDS.items()},
                    },
                },
            },
            "concomitant_drugs": {"type": ["array", "null"], "maxItems": MAX_ITEMS, "items": drug},
            "answers": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {code: {"type": ["boolean", "null"]} for code in questions},
            },
            **top,
            **groups,
        },
    }
    reason = {
        "type": "object",
        "required": ["clause", "met", "text", "detail"],
        "properties": {
            "clause": {"type": "string"},
            "met": {"type": "boolean"},
            "text": {"type": "string"},
            "detail": {"type": "string"},
        },
    }
    determination = {
        "type": "object",
        "required": [
            "decision",
            "approved_quantity",
            "per_days",
            "one_time",
            "duration",
            "policy",
            "reasons",
            "missing",
        ],
        "properties": {
            "decision": {"type": "string", "enum": ["approve", "partial", "deny", "refer"]},
            "approved_quantity": {"type": ["integer", "null"]},
            "per_days": {"type": ["integer", "null"]},
            "one_time": {"type": "boolean"},
            "duration": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "object", "properties": {"months": {"type": "integer"}}, "required": ["months"]},
                    {"type": "object", "properties": {"days": {"type": "integer"}}, "required": ["days"]},
                ]
            },
            "policy": {
                "type": "object",
                "required": ["code", "version", "title"],
                "properties": {"code": {"type": "string"}, "version": {"type": "string"}, "title": {"type": "string"}},
            },
            "reasons": {"type": "array", "items": reason},
            "missing": {"type": "array", "items": {"type": "string"}},
        },
    }
    errors = {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}
        },
    }

    def json_error(text: str) -> dict:
        return {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
        }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kineret PA determinations",
            "version": "1",
            "description": "The determination contract: one JSON request in, one determination out.",
        },
        "paths": {
            "/api/v1/determinations": {
                "post": {
                    "operationId": "determine",
                    "security": [{"bearer": []}, {"session": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "The determination",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Determination"}}},
                        },
                        "400": json_error("Invalid input, each bad field named"),
                        "401": json_error("No or invalid credentials"),
                        "403": json_error("Signed-in browser without the CSRF token"),
                        "503": json_error("The database is briefly unavailable"),
                    },
                }
            }
        },
        "components": {
            "schemas": {"Request": request, "Determination": determination, "Errors": errors},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
        },
    }
