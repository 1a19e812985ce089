"""Sign-in protections: lockout after repeated failures, two-step sign-in for privileged roles, idle sessions."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kineret_pa.accounts.otp_views import MSG_BAD_CODE

LOGIN = "/accounts/login/"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_failed_sign_ins_lock_the_account_even_with_the_right_password(client, prescriber):
    for _ in range(4):
        assert sign_in(client, "dr_owner", "wrong-password").status_code == 200
    assert sign_in(client, "dr_owner", "wrong-password").status_code == 429  # the fifth locks
    response = sign_in(client, "dr_owner", "dr_owner-pass-9x!")
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_failures_below_the_limit_still_allow_sign_in(client, prescriber):
    for _ in range(3):
        sign_in(client, "dr_owner", "wrong-password")
    assert sign_in(client, "dr_owner", "dr_owner-pass-9x!").status_code == 302


@pytest.fixture
def second_factor_on(settings):
    settings.OTP_REQUIRED = True


def _code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_reviewer_must_enrol_an_authenticator_before_the_queue(client, reviewer, second_factor_on, policy_data):
    assert sign_in(client, "pharmacist", "pharmacist-pass-9x!").status_code == 302
    response = client.get(reverse("review-queue"))
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/setup/")
    page = client.get(response.url)
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    done = client.post(response.url, {"token": _code(device)})
    assert done.status_code == 302 and done.url == "/review/"
    assert client.get("/review/").status_code == 200


def test_a_wrong_code_is_refused_in_words(client, reviewer, second_factor_on, policy_data):
    sign_in(client, "pharmacist", "pharmacist-pass-9x!")
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert client.post("/accounts/otp/setup/", {"token": wrong}).context["form"].errors == {"token": [MSG_BAD_CODE]}
    assert client.get("/review/").status_code == 302


def test_enrolled_policy_staff_confirm_each_sign_in_with_a_code(client, policy_staff, second_factor_on, policy_data):
    device = TOTPDevice.objects.create(user=policy_staff, name="app", confirmed=True)
    sign_in(client, "policy_editor", "policy_editor-pass-9x!")
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/verify/")
    assert client.post(response.url, {"token": _code(device)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_prescribers_sign_in_with_a_password_alone(client, prescriber, second_factor_on, policy_data):
    sign_in(client, "dr_owner", "dr_owner-pass-9x!")
    assert client.get(reverse("pa-request-list")).status_code == 200


def _session_row(client):
    from django.contrib.sessions.models import Session

    return Session.objects.get(session_key=client.session.session_key)


def _age_session(client, seconds):
    """Moves the session's last save `seconds` into the past, as if that long had passed."""
    from kineret_pa.accounts.middleware import SESSION_REFRESHED_KEY

    session = client.session
    session[SESSION_REFRESHED_KEY] = int(time.time()) - seconds
    session.save()
    row = _session_row(client)
    row.expire_date -= dt.timedelta(seconds=seconds)
    row.save()


def test_sessions_end_after_thirty_idle_minutes(client, prescriber, settings):
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    sign_in(client, "dr_owner", "dr_owner-pass-9x!")
    assert client.get(reverse("pa-request-list")).status_code == 200
    _age_session(client, settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("pa-request-list"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_a_session_in_use_is_kept_alive(client, prescriber, settings):
    sign_in(client, "dr_owner", "dr_owner-pass-9x!")
    _age_session(client, settings.SESSION_COOKIE_AGE - 5)  # five seconds from the end, then used
    assert client.get(reverse("pa-request-list")).status_code == 200
    remaining = _session_row(client).expire_date - timezone.now()
    assert remaining > dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_pages_do_not_write_the_session_on_every_request(client, prescriber):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, "dr_owner", "dr_owner-pass-9x!")
    client.get(reverse("pa-request-list"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("pa-request-list")).status_code == 200
    assert not [
        q for q in captured.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]


def test_right_code_straight_after_a_wrong_one_says_to_wait_and_how_long(
    client, policy_staff, second_factor_on, policy_data
):
    device = TOTPDevice.objects.create(user=policy_staff, name="app", confirmed=True)
    sign_in(client, "policy_editor", "policy_editor-pass-9x!")
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert client.post("/accounts/otp/verify/", {"token": wrong}).context["form"].errors == {"token": [MSG_BAD_CODE]}
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now()
    )  # "just now", however slow the run
    # django-otp now refuses every code for a second: the person is told to wait, not that the code is wrong.
    refused = client.post("/accounts/otp/verify/", {"token": _code(device)})
    assert refused.context["form"].errors == {
        "token": [
            "Too many wrong codes: wait 1 second before trying again (the next code you enter will be checked then)."
        ]
    }
    assert client.get("/admin/").status_code == 302


def test_right_code_after_the_wait_signs_in(client, policy_staff, second_factor_on, policy_data):
    device = TOTPDevice.objects.create(user=policy_staff, name="app", confirmed=True)
    sign_in(client, "policy_editor", "policy_editor-pass-9x!")
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=3, throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )  # three wrong codes five seconds ago: the 4-second wait is over
    assert client.post("/accounts/otp/verify/", {"token": _code(device)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_wait_grows_with_each_wrong_code(client, policy_staff, second_factor_on, policy_data):
    device = TOTPDevice.objects.create(user=policy_staff, name="app", confirmed=True)
    sign_in(client, "policy_editor", "policy_editor-pass-9x!")
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )
    refused = client.post("/accounts/otp/verify/", {"token": _code(device)})
    assert refused.context["form"].errors["token"][0].startswith("Too many wrong codes: wait 8 seconds")
