"""Sign-ins, sign-outs and failures on the record; the request's address on every history row."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR is the proxy's address behind a load balancer; see docs for X-Forwarded-For.
    return request.META.get("REMOTE_ADDR") or None


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(sender, request, user, **kwargs):
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOGIN, user=user, username=user.get_username(), ip_address=client_ip(request)
    )


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        AuditEvent.objects.create(
            kind=AuditEvent.Kind.LOGOUT, user=user, username=user.get_username(), ip_address=client_ip(request)
        )


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    AuditEvent.objects.create(
        kind=AuditEvent.Kind.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        ip_address=client_ip(request),
    )


@receiver(pre_create_historical_record, dispatch_uid="history-ip")
def _history_ip(sender, history_instance, **kwargs):
    request = getattr(HistoricalRecords.context, "request", None)
    if hasattr(history_instance, "ip_address"):
        history_instance.ip_address = client_ip(request)
