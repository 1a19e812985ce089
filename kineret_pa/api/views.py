"""POST /api/v1/determinations, exactly as ../shared/api/determination-contract.md says."""
from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from kineret_pa.accounts.models import ApiToken
from kineret_pa.policies.services import determination_compute

MSG_AUTH = "Authentication required: send “Authorization: Bearer <token>” or sign in."
MSG_TOKEN = "The token is not valid or has been revoked."
MSG_CSRF = "CSRF check failed: a signed-in browser must send the CSRF token."
MSG_METHOD = "Use POST."
MSG_CONTENT_TYPE = "Send Content-Type: application/json."
MSG_JSON = "The body is not valid JSON: {problem}."
MSG_TOO_BIG = "The body is too large."


def errors_response(errors: dict[str, list[str]], status: int = 400, **headers) -> JsonResponse:
    response = JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def _authenticate(request) -> tuple[str | None, JsonResponse | None]:
    """(policy-data revision if the token check read it, else None; error response).
    Bearer tokens need no CSRF; a browser session does."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        use = ApiToken.authenticate(raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
        if use is None:
            return None, errors_response({"auth": [MSG_TOKEN]}, 401, WWW_Authenticate="Bearer")
        return use.policy_revision, None
    if request.user.is_authenticated:
        if _CsrfCheck(lambda r: None).process_view(request, None, (), {}) is not None:
            return None, errors_response({"auth": [MSG_CSRF]}, 403)
        return None, None
    return None, errors_response({"auth": [MSG_AUTH]}, 401, WWW_Authenticate="Bearer")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


@csrf_exempt
def determinations(request):
    if request.method != "POST":
        return errors_response({"request": [MSG_METHOD]}, 405, Allow="POST")
    revision, problem = _authenticate(request)
    if problem is not None:
        return problem
    if request.content_type != "application/json":
        return errors_response({"request": [MSG_CONTENT_TYPE]})
    try:
        data = json.loads(request.body, parse_constant=_reject_constant)
    except RequestDataTooBig:
        return errors_response({"request": [MSG_TOO_BIG]})
    except (ValueError, UnicodeDecodeError) as error:
        return errors_response({"request": [MSG_JSON.format(problem=error)]})
    determination, _, errors = determination_compute(data=data, revision=revision)
    if errors:
        return errors_response(errors)
    return JsonResponse(determination.as_dict(), json_dumps_params={"ensure_ascii": False})


def openapi(request):
    from kineret_pa.policies.models import Policy
    from kineret_pa.policies.snapshots import catalog_get

    from .openapi import openapi_document

    catalog = catalog_get()
    document = openapi_document(
        diagnoses=sorted([slug for slug, d in catalog.diagnoses.items() if d.selectable] + list(catalog.diagnosis_aliases)),
        policies=sorted(Policy.objects.values_list("code", flat=True)),
        questions=sorted(catalog.question_codes),
    )
    return JsonResponse(document, json_dumps_params={"indent": 1})
