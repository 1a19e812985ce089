"""Request ids on every log line, a friendly 503 when the database is away, and no page kept in any cache."""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, get_resolver, get_urlconf
from django.utils.cache import patch_cache_control

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
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response(request) -> HttpResponse:
    """The 503: the API's error shape, or a plain page rendered without the database."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {"service": [MSG_UNAVAILABLE]}}, status=503, headers={"Retry-After": "30"})
    if request.path.startswith("/cds-services"):  # an EHR reads FHIR: an OperationOutcome, "transient"
        outcome = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "transient", "diagnostics": MSG_UNAVAILABLE}],
        }
        return JsonResponse(outcome, status=503, headers={"Retry-After": "30"})
    html = render_to_string("503.html", {"message": MSG_UNAVAILABLE})
    return HttpResponse(html, status=503, headers={"Retry-After": "30"})


def _database_error_note(sender, request=None, **kwargs):
    """Django turns an exception raised inside any middleware (the session, the user, the second factor, the
    session's save) into a 500 within that layer, so no outer middleware ever sees it; this signal is sent from
    inside that handler, while the exception is still the current one. Remember a lost database on the request."""
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_ERRORS):
        request.database_error = error


class DatabaseUnavailableMiddleware:
    """A lost database connection is a 503 with a plain page (no template queries), never a traceback.

    Placed above every middleware that reads the database: a view's error comes through process_exception
    (and the 503 still passes through the inner middleware, which add their headers); an error in a middleware
    reaches here as a 500 that _database_error_note has marked, and is answered with the same 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_database_error_note, dispatch_uid="kineret_pa.database_error_note")

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "database_error", None)
        if response.status_code == 500 and error is not None:
            log.error("database unavailable: %s", error.__class__.__name__)
            return database_unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        return database_error_response(request, exception)


def database_error_response(request, exception: Exception) -> HttpResponse | None:
    """The 503 for a view's exception that says the database is away; None for any other exception."""
    if not isinstance(exception, DATABASE_ERRORS):
        return None
    log.error("database unavailable: %s", exception.__class__.__name__)
    return database_unavailable_response(request)


class PrivateNoStoreMiddleware:
    """Cache-Control: no-store, private on every response the app makes, so neither the browser's cache nor its
    Back button after sign-out, nor a shared proxy, keeps a page, letter, form step, attachment or API answer
    holding patient data. Every dynamic response, not only signed-in ones: whether a request is signed in is
    not known without reading the database, and an API call signs in with a token, not a session. Placed below
    WhiteNoise, so static files keep their long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Merged into what a view set (the admin's never_cache); a "public" a view set gives way to "private".
        patch_cache_control(response, no_store=True, private=True)
        return response


def token_api(view):
    """Marks a view that practice systems call with `Authorization: Bearer <token>` and that reads the token itself
    (never the session): TokenApiMiddleware sends such calls straight to it."""
    view.token_api = True
    return view


class TokenApiMiddleware:
    """A call with an Authorization header and no cookies, to a view marked @token_api, goes straight to the view.

    The layers below this one serve a browser: the session and its idle refresh, CSRF, the signed-in user and its
    second factor, messages, the history's request, the sign-in lockout. A practice system's token call uses none
    of them, and they were the largest part of an API call's time in process apart from its query. The layers
    above still apply to it: request id, security headers, no-store, X-Frame-Options, CSP, and the 503 for a lost
    database (a database error from the view is answered here as DatabaseUnavailableMiddleware.process_exception
    answers it). Anything that carries cookies (a browser, signed in or not) takes the whole stack as before.
    """

    MATCHES_KEPT = 8

    def __init__(self, get_response):
        self.get_response = get_response
        # A token-API path without arguments → (the URL resolver, its match): resolving costs more than the view's
        # JSON. Kept for a few such paths only, and only while the URLconf is the same (tests may swap it).
        self.matches = {}

    def token_api_match(self, path: str):
        """The path's match if it is a @token_api view's, else None: as django.urls.resolve, remembered."""
        resolver = get_resolver(get_urlconf())
        kept = self.matches.get(path)
        if kept is not None and kept[0] is resolver:
            return kept[1]
        try:
            match = resolver.resolve(path)
        except Resolver404:
            return None
        if not getattr(match.func, "token_api", False):
            return None
        if not match.args and not match.kwargs and (path in self.matches or len(self.matches) < self.MATCHES_KEPT):
            self.matches[path] = (resolver, match)
        return match

    def __call__(self, request):
        meta = request.META
        if meta.get("HTTP_AUTHORIZATION") and not meta.get("HTTP_COOKIE"):
            match = self.token_api_match(request.path_info)
            if match is not None:
                request.resolver_match = match
                try:
                    response = match.func(request, *match.args, **match.kwargs)
                except DATABASE_ERRORS as error:
                    return database_error_response(request, error)
                if not response.streaming and not response.has_header("Content-Length"):
                    response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does
                return response
        return self.get_response(request)
