"""The API's OpenAPI document, generated from the engine's fact vocabulary (one place for each fact)."""
from __future__ import annotations

from typing import Any

from kineret_pa.engine.facts import ENUM_FACTS, NUMBER_FACTS, OUTCOMES
from kineret_pa.engine.request import GROUPS


def _fact_schema(path: str) -> dict[str, Any]:
    if path in NUMBER_FACTS:
        spec = NUMBER_FACTS[path]
        schema: dict[str, Any] = {"type": ["integer", "null"] if spec.integer else ["number", "null"], "maximum": spec.maximum,
                                  "description": f"{spec.label} ({spec.unit})"}
        schema["exclusiveMinimum" if spec.minimum_exclusive else "minimum"] = spec.minimum
        return schema
    spec = ENUM_FACTS[path]
    if spec.yes_no:
        return {"type": ["boolean", "null"], "description": spec.label}
    return {"type": ["string", "null"], "enum": [*spec.values, None], "description": spec.label}


def openapi_document(*, diagnoses: list[str], policies: list[str], questions: list[str]) -> dict[str, Any]:
    top = {path: _fact_schema(path) for path in ("plan", "benefit", "request_type", "severity", "site_of_care", "car_t_therapy",
                                                 "age_support_provided", "preferred_not_appropriate_with_list")}
    groups = {
        group: {"type": ["object", "null"], "additionalProperties": False,
                "properties": {name: _fact_schema(f"{group}.{name}") for name in names}}
        for group, names in GROUPS.items()
    }
    drug = {"type": "string", "maxLength": 200, "description": "generic or brand name, case-insensitive"}
    request = {
        "type": "object", "additionalProperties": False, "required": ["policy"],
        "properties": {
            "policy": {"type": "string", "enum": policies},
            "date_of_service": {"type": ["string", "null"], "format": "date"},
            "diagnosis": {"type": ["string", "null"], "enum": [*diagnoses, None]},
            "icd10": {"type": ["string", "null"], "maxLength": 10},
            "prior_therapies": {"type": ["array", "null"], "maxItems": 50, "items": {
                "type": "object", "additionalProperties": False, "required": ["drug", "outcome"],
                "properties": {"drug": drug, "months": {"type": ["number", "null"], "minimum": 0, "maximum": 600},
                               "outcome": {"type": "string", "enum": list(OUTCOMES)}}}},
            "concomitant_drugs": {"type": ["array", "null"], "maxItems": 50, "items": drug},
            "answers": {"type": ["object", "null"], "additionalProperties": False,
                        "properties": {code: {"type": ["boolean", "null"]} for code in questions}},
            **top, **groups,
        },
    }
    reason = {"type": "object", "required": ["clause", "met", "text", "detail"], "properties": {
        "clause": {"type": "string"}, "met": {"type": "boolean"}, "text": {"type": "string"}, "detail": {"type": "string"}}}
    determination = {
        "type": "object",
        "required": ["decision", "approved_quantity", "per_days", "one_time", "duration", "policy", "reasons", "missing"],
        "properties": {
            "decision": {"type": "string", "enum": ["approve", "partial", "deny", "refer"]},
            "approved_quantity": {"type": ["integer", "null"]}, "per_days": {"type": ["integer", "null"]},
            "one_time": {"type": "boolean"},
            "duration": {"oneOf": [{"type": "null"}, {"type": "object", "properties": {"months": {"type": "integer"}}, "required": ["months"]},
                                   {"type": "object", "properties": {"days": {"type": "integer"}}, "required": ["days"]}]},
            "policy": {"type": "object", "required": ["code", "version", "title"],
                       "properties": {"code": {"type": "string"}, "version": {"type": "string"}, "title": {"type": "string"}}},
            "reasons": {"type": "array", "items": reason},
            "missing": {"type": "array", "items": {"type": "string"}},
        },
    }
    errors = {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
    json_error = lambda text: {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kineret PA determinations", "version": "1",
                 "description": "The determination contract: one JSON request in, one determination out."},
        "paths": {"/api/v1/determinations": {"post": {
            "operationId": "determine",
            "security": [{"bearer": []}, {"session": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}},
            "responses": {
                "200": {"description": "The determination", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Determination"}}}},
                "400": json_error("Invalid input, each bad field named"),
                "401": json_error("No or invalid credentials"),
                "403": json_error("Signed-in browser without the CSRF token"),
                "503": json_error("The database is briefly unavailable"),
            },
        }}},
        "components": {
            "schemas": {"Request": request, "Determination": determination, "Errors": errors},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"}},
        },
    }
