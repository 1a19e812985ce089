"""CDS Hooks endpoints: GET /cds-services (discovery) and POST /cds-services/kineret-pa-order-sign (CRD)."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from kineret_pa.api.views import (
    MSG_AUTH,
    MSG_CONTENT_TYPE,
    MSG_JSON,
    MSG_TOKEN,
    MSG_TOO_BIG,
    MSG_TOO_DEEP,
    _json_loads,
    bearer_caller,
    json_response,
)
from kineret_pa.middleware import token_api

from .crd import HookRequestError, discovery, operation_outcome
from .services import order_sign_answer

MSG_METHOD = "Use POST."


def _outcome(status: int, message: str, code: str, path: str = "$", **headers) -> HttpResponse:
    response = json_response(operation_outcome([(path, message)], code), status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@require_GET
def cds_services(request):
    """Discovery needs no token (CDS Hooks lets a service list itself to anyone)."""
    return json_response(discovery())


@token_api  # a bearer-token call skips the browser's middleware; the service reads no session
@csrf_exempt
def order_sign(request):
    if request.method != "POST":
        return _outcome(405, MSG_METHOD, "not-supported", Allow="POST")
    caller, refused = bearer_caller(request)
    if caller is None:  # the EHR calls with the practice's API token; a browser session is not read here
        status = 403 if refused not in (None, MSG_TOKEN) else 401
        return _outcome(
            status, refused or MSG_AUTH, "forbidden" if status == 403 else "login", WWW_Authenticate="Bearer"
        )
    if request.content_type != "application/json":
        return _outcome(400, MSG_CONTENT_TYPE, "invalid")
    try:
        data = _json_loads(request.body)
    except RequestDataTooBig:
        return _outcome(400, MSG_TOO_BIG, "too-costly")
    except RecursionError:
        return _outcome(400, MSG_TOO_DEEP, "structure")
    except (ValueError, UnicodeDecodeError) as error:
        return _outcome(400, MSG_JSON.format(problem=error), "structure")
    try:
        answer = order_sign_answer(
            data=data,
            prescriber_id=caller.user_id,
            policy_data=caller.policy_data,
            today=timezone.localdate(),
            form_url=request.build_absolute_uri(reverse("pa-request-list")),
            source_url=request.build_absolute_uri("/"),
        )
    except HookRequestError as error:
        return json_response(operation_outcome(error.problems), 400)
    return json_response(answer)
