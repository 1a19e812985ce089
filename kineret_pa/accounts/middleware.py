"""Reviewers, policy staff and administrators confirm each sign-in with a TOTP code."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

# Sign-in, sign-out and the second-factor pages themselves, and static files.
OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


def needs_second_factor(user) -> bool:
    """Anyone who can decide requests, edit policy data or see metrics (permissions are cached per request)."""
    return bool(
        user.is_superuser or user.is_staff
        or user.has_perm("pa_requests.review_parequest") or user.has_perm("pa_requests.view_metrics")
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
