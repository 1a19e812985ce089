"""A practice system's bearer-token call to the API (no cookies) goes straight to its view
(kineret_pa.middleware.TokenApiMiddleware): it skips the browser's layers (session, CSRF, user, second factor,
messages, history, lockout) yet keeps every header the layers above it add; anything with cookies, and any
other page, still takes the whole stack."""

import json

import pytest

from kineret_pa.accounts.models import ApiToken
from kineret_pa.api.views import MSG_CSRF
from tests.conftest import FEP_RA

URL = "/api/v1/determinations"


@pytest.fixture
def token(prescriber):
    return ApiToken.issue(user=prescriber, name="practice system")[1]


def test_a_bearer_call_is_answered_without_touching_the_session(client, policy_data, token):
    response = client.post(
        URL, json.dumps(FEP_RA), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert "Vary" not in response  # the session middleware, which adds "Vary: Cookie" once read, was not in the way
    assert response.wsgi_request.resolver_match.url_name == "api-determinations"


def test_a_bearer_call_keeps_the_headers_of_the_layers_above(client, policy_data, token):
    response = client.post(
        URL,
        json.dumps(FEP_RA),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_X_REQUEST_ID="bench-0001-abcd",
    )
    assert response["Cache-Control"] == "no-store, private"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"] == "bench-0001-abcd"
    assert response["Content-Length"] == str(len(response.content))


def test_a_bad_token_is_refused_on_the_short_path_too(client, policy_data):
    response = client.post(
        URL, json.dumps(FEP_RA), content_type="application/json", HTTP_AUTHORIZATION="Bearer not-a-token"
    )
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store, private"


def test_a_signed_in_browser_still_takes_the_whole_stack_and_its_csrf_check(policy_data, prescriber):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(prescriber)
    response = browser.post(URL, json.dumps(FEP_RA), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"errors": {"auth": [MSG_CSRF]}}


def test_an_authorization_header_on_another_page_takes_the_whole_stack(client, policy_data, token):
    response = client.get("/requests/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 302  # the prescriber pages want a signed-in session, not a token


def test_a_bearer_call_that_carries_a_session_cookie_takes_the_whole_stack(client, policy_data, prescriber, token):
    client.force_login(prescriber)
    response = client.post(
        URL, json.dumps(FEP_RA), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert response["Vary"] == "Cookie"  # the session was read on the way, as for any browser
