"""Reviewers, policy staff and administrators confirm each sign-in with a TOTP code."""

from __future__ import annotations

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Sign-in, sign-out and the second-factor pages themselves, and static files.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


def needs_second_factor(user) -> bool:
    """Anyone who can decide requests, edit policy data or see metrics (permissions are cached per request)."""
    return bool(
        user.is_superuser
        or user.is_staff
        or user.has_perm("pa_requests.review_parequest")
        or user.has_perm("pa_requests.view_metrics")
    )


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.OTP_REQUIRED
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not user.is_verified()
            and needs_second_factor(user)
        ):
            from django_otp.plugins.otp_totp.models import TOTPDevice

            has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = reverse("otp-verify" if has_device else "otp-setup")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


SESSION_REFRESHED_KEY = "_refreshed_at"


class SessionIdleRefreshMiddleware:
    """Keeps a signed-in session alive while it is used, writing it at most once a minute.

    The idle timeout (SESSION_COOKIE_AGE) counts from the session's last save. Saving on
    every request (SESSION_SAVE_EVERY_REQUEST) made every page pay a database write and a
    commit; refreshing when the last save is SESSION_REFRESH_SECONDS old keeps the timeout
    within that many seconds of exact. Placed after SessionMiddleware, so its response step
    runs before the session is saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 500:  # the session is not saved then, and reading it may be what failed
            return response
        session = request.session
        if session.session_key and not session.modified:  # no session (API, anonymous), or saved anyway
            now = int(time.time())
            if now - session.get(SESSION_REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_KEY] = now
        return response
