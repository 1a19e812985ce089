"""Enrol an authenticator app once, then confirm each sign-in with its six-digit code."""

from __future__ import annotations

import base64
import io
import math

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

MSG_BAD_CODE = "That code is not right or has expired: enter the current six-digit code from your authenticator app."
# django-otp doubles the wait after each wrong code (1, 2, 4 … seconds); a right code is refused
# until then, so the person must be told to wait rather than that the code is wrong.
MSG_WAIT = "Too many wrong codes: wait {seconds} before trying again (the next code you enter will be checked then)."


def _wait_message(device: TOTPDevice) -> str | None:
    """The wait in words while django-otp's throttle refuses every code for this device, else None."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return None
    seconds = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
    return MSG_WAIT.format(seconds=f"{seconds} second{'s' if seconds != 1 else ''}")


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request) -> str:
    target = request.GET.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def setup(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"/accounts/otp/verify/?next={_next(request)}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Authenticator app"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := _wait_message(device):
            form.add_error("token", wait)
        elif device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            return redirect(_next(request))
        else:
            form.add_error("token", MSG_BAD_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {"form": form, "secret": secret, "qr": mark_safe(_qr_svg(device.config_url))},
    )


@login_required
def verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
        waits = [message for device in devices if (message := _wait_message(device))]
        if waits and len(waits) == len(devices):
            form.add_error("token", waits[0])
        elif (device := match_token(request.user, form.cleaned_data["token"].strip())) is not None:
            otp_login(request, device)
            return redirect(_next(request))
        else:
            form.add_error("token", MSG_BAD_CODE)
    return render(request, "registration/otp_verify.html", {"form": form})
