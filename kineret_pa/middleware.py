"""Request ids on every log line, and a friendly 503 when the database is away."""
from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")
log = logging.getLogger("kineret_pa")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestIdMiddleware:
    """Takes a well-formed X-Request-ID from the proxy or makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


MSG_UNAVAILABLE = "The service is briefly unavailable. Your answers so far are saved; try again in a minute."


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 with a plain page (no template queries), never a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.error("database unavailable: %s", exception.__class__.__name__)
        if request.path.startswith("/api/"):
            return JsonResponse({"errors": {"service": [MSG_UNAVAILABLE]}}, status=503, headers={"Retry-After": "30"})
        html = render_to_string("503.html", {"message": MSG_UNAVAILABLE})
        return HttpResponse(html, status=503, headers={"Retry-After": "30"})
