"""POST /api/v1/determinations, exactly as ../shared/api/determination-contract.md says."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from kineret_pa.accounts.roles import user_is_prescriber
from kineret_pa.middleware import token_api
from kineret_pa.policies.services import determination_compute
from kineret_pa.policies.snapshots import PolicyData, policy_data_get

from .selectors import ApiCaller, api_caller_get

MSG_AUTH = "Authentication required: send “Authorization: Bearer <token>” or sign in."
MSG_TOKEN = "The token is not valid or has been revoked."
MSG_CSRF = "CSRF check failed: a signed-in browser must send the CSRF token."
MSG_PRESCRIBERS_ONLY = "The API answers prescribers and their practice systems only: this account is not a prescriber."
MSG_METHOD = "Use POST."
MSG_CONTENT_TYPE = "Send Content-Type: application/json."
MSG_JSON = "The body is not valid JSON: {problem}."
MSG_TOO_BIG = "The body is too large."
MSG_TOO_DEEP = "The body is nested too deeply."


# Made once, not per call as json.dumps with options does: JsonResponse's encoder, so the same bytes.
_ENCODER = DjangoJSONEncoder(ensure_ascii=False)


def json_response(data: dict, status: int = 200) -> HttpResponse:
    """JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False}), byte for byte."""
    return HttpResponse(_ENCODER.encode(data), content_type="application/json", status=status)


def errors_response(errors: dict[str, list[str]], status: int = 400, **headers) -> HttpResponse:
    response = json_response({"errors": errors}, status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):
        return reason


def bearer_caller(request) -> tuple[ApiCaller | None, str | None]:
    """A bearer call's prescriber: (caller, None), or (None, MSG_TOKEN or MSG_PRESCRIBERS_ONLY) when refused;
    (None, None) without an Authorization header. The one token check of every token API (the CRD service too)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")  # request.headers would copy every header first
    if not header:
        return None, None
    scheme, _, raw = header.partition(" ")
    caller = api_caller_get(raw_token=raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if caller is None:
        return None, MSG_TOKEN
    if not caller.prescriber:  # a valid token whose user is (no longer) a prescriber: no second factor guards it
        return None, MSG_PRESCRIBERS_ONLY
    return caller, None


def _authenticate(request) -> tuple[PolicyData | None, HttpResponse | None]:
    """(the policy data in force, or None; error response, or None). A token's query reads the revision too;
    a browser session reads it on its own. Bearer tokens need no CSRF; a browser session does."""
    if request.META.get("HTTP_AUTHORIZATION"):
        caller, refused = bearer_caller(request)
        if refused == MSG_TOKEN:
            return None, errors_response({"auth": [MSG_TOKEN]}, 401, WWW_Authenticate="Bearer")
        if refused is not None:
            return None, errors_response({"auth": [refused]}, 403)
        return caller.policy_data, None
    if request.user.is_authenticated:
        if _CsrfCheck(lambda r: None).process_view(request, None, (), {}) is not None:
            return None, errors_response({"auth": [MSG_CSRF]}, 403)
        if not user_is_prescriber(request.user):
            return None, errors_response({"auth": [MSG_PRESCRIBERS_ONLY]}, 403)
        return policy_data_get(), None
    return None, errors_response({"auth": [MSG_AUTH]}, 401, WWW_Authenticate="Bearer")


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def _json_loads(body: bytes):
    """json.loads(body, parse_constant=_reject_constant), with its decoder made once."""
    return _DECODER.decode(body.decode(json.detect_encoding(body), "surrogatepass"))


@token_api  # a bearer-token call skips the browser's middleware (kineret_pa.middleware.TokenApiMiddleware)
@csrf_exempt
def determinations(request):
    if request.method != "POST":
        return errors_response({"request": [MSG_METHOD]}, 405, Allow="POST")
    policy_data, problem = _authenticate(request)
    if problem is not None:
        return problem
    if request.content_type != "application/json":
        return errors_response({"request": [MSG_CONTENT_TYPE]})
    try:
        data = _json_loads(request.body)
    except RequestDataTooBig:
        return errors_response({"request": [MSG_TOO_BIG]})
    except RecursionError:  # json.loads recurses once per level of nesting
        return errors_response({"request": [MSG_TOO_DEEP]})
    except (ValueError, UnicodeDecodeError) as error:
        return errors_response({"request": [MSG_JSON.format(problem=error)]})
    determination, _, errors = determination_compute(data=data, policy_data=policy_data)
    if errors:
        return errors_response(errors)
    return json_response(determination.as_dict())


def openapi(request):
    from django.db.models import Min
    from django.utils import timezone

    from kineret_pa.engine.request import latest_date_of_service
    from kineret_pa.policies.models import PolicyVersion

    from .openapi import openapi_document

    today = timezone.localdate()
    policy_data = policy_data_get()
    versions = {p.code: policy_data.version_for(p.code, today).version_id for p in policy_data.policies}
    snapshots = {
        code: policy_data.snapshot(version_id) for code, version_id in versions.items() if version_id is not None
    }
    # The schema's dates are those every policy has a version for: from the latest first version to a year ahead.
    starts = (
        PolicyVersion.objects.filter(status=PolicyVersion.Status.ACTIVE)
        .values("policy__code")
        .annotate(first=Min("effective_date"))
    )
    earliest = max((row["first"] for row in starts if row["policy__code"] in snapshots), default=today)
    document = openapi_document(
        catalog=policy_data.catalog, snapshots=snapshots, dates=(earliest, latest_date_of_service(today))
    )
    return JsonResponse(document, json_dumps_params={"indent": 1})
