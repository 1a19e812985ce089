"""API tokens: per user, revocable, stored only as a hash."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from kineret_pa.core.models import AppendOnlyModel

from .roles import PRESCRIBER, user_is_prescriber

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

MSG_REVOCATION_FINAL = "A revoked token stays revoked: issue a new token instead."
MSG_TOKEN_FOR_PRESCRIBERS = "API tokens are issued for prescribers' practice systems only: {username} is not one."


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if "revoked_at" not in kwargs:
            return super().update(**kwargs)
        if kwargs["revoked_at"] is None:
            raise PermissionError(MSG_REVOCATION_FINAL)
        # Only tokens not yet revoked take the time: a revocation, and its time, are final.
        return super(ApiTokenQuerySet, self.filter(revoked_at__isnull=True)).update(**kwargs)


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the practice system's name.")
    prefix = models.CharField(max_length=12, editable=False, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values_list("revoked_at", flat=True).first()
            if stored is not None and self.revoked_at != stored:
                raise PermissionError(MSG_REVOCATION_FINAL)
        super().save(*args, **kwargs)

    @classmethod
    def issue(cls, *, user, name: str) -> tuple[ApiToken, str]:
        """A token calls the API as its user without a second factor: only a prescriber's practice system gets one."""
        if not user_is_prescriber(user):
            raise ValidationError(MSG_TOKEN_FOR_PRESCRIBERS.format(username=user.get_username()))
        raw = "kpa_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:12], key_hash=token_hash(raw))
        return token, raw

    @classmethod
    def authenticate(cls, raw: str, *, also_select: str = "NULL") -> TokenUse | None:
        """Who is calling, in one round trip, with `also_select` read alongside
        (a one-value SQL subquery written in code, never taken from input).

        This is every API call's only query: the API reads the policy-data revision this way (accounts
        need not know where policy data lives); the ORM would take two queries and several times the CPU
        to build them, which was most of a call's cost."""
        with _prepared_cursor() as cursor:
            cursor.execute(_authenticate_sql(also_select), [PRESCRIBER, token_hash(raw)])
            row = cursor.fetchone()
        if row is None:
            return None
        token_id, user_id, last_used_at, also_selected, prescriber = row
        if last_used_at is not None and timezone.is_naive(last_used_at):
            last_used_at = timezone.make_aware(last_used_at, dt.UTC)  # SQLite stores UTC without an offset
        now = timezone.now()
        # Last use to the minute: a write per call would cost more than the determination itself.
        if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
            cls.objects.filter(pk=token_id).update(last_used_at=now)
        return TokenUse(user_id=user_id, prescriber=bool(prescriber), also_selected=also_selected)


@dataclass(frozen=True)
class TokenUse:
    user_id: int
    prescriber: bool  # whether the token's user has the prescriber role now (roles can change after issue)
    also_selected: object = None  # the value of authenticate's `also_select`


def _prepared_cursor():
    """A cursor for the token's query: on PostgreSQL, one that binds its parameters on the server and prepares the
    statement once per connection, so later calls send only the statement's name and the two values. That halves the
    query's client CPU (psycopg no longer quotes values into the text) and skips PostgreSQL's parse and plan of it.

    Not behind a transaction-mode pooler (pgbouncer), where a statement prepared on one server connection is not on
    the next: the deployment sets DISABLE_SERVER_SIDE_CURSORS there, and this cursor then binds on the server
    without preparing. Still Django's cursor wrapper: its error translation, and the query log that tests count."""
    db = connections[DEFAULT_DB_ALIAS]  # the proxy `connection` looks this up on each attribute
    if db.vendor != "postgresql":
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    pooled = db.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    raw = db.connection
    if raw.prepare_threshold is None and not pooled:
        # Django turns psycopg's prepared statements off (None). A threshold no count reaches turns them on for the
        # cursors that ask (prepare=True) and no other: Django's own cursors bind on the client and never prepare.
        raw.prepare_threshold = _PREPARE_WHEN_ASKED
    with db.wrap_database_errors:
        return db._prepare_cursor(_server_binding_cursor_class(not pooled)(raw))


_PREPARE_WHEN_ASKED = 1 << 62


@functools.cache
def _server_binding_cursor_class(prepare: bool):
    from django.db.backends.postgresql.base import ServerBindingCursor  # psycopg: imported on PostgreSQL only

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=prepare, **kwargs)

    return PreparedCursor


@functools.cache
def _authenticate_sql(also_select: str) -> str:
    """An active token (not revoked, its user active) by hash, with `also_select` and the user's membership
    of the Prescriber group as subqueries. Parameters: the group's name, the token's hash."""
    q = connection.ops.quote_name
    User = get_user_model()
    token, user, membership = ApiToken._meta, User._meta, User.groups.through._meta
    group = User.groups.field.related_model._meta
    prescriber = (
        f"EXISTS (SELECT 1 FROM {q(membership.db_table)} m INNER JOIN {q(group.db_table)} g "
        f"ON g.{q('id')} = m.{q('group_id')} WHERE m.{q('user_id')} = t.{q('user_id')} AND g.{q('name')} = %s)"
    )
    return (
        f"SELECT t.{q('id')}, t.{q('user_id')}, t.{q('last_used_at')}, ({also_select}), {prescriber} "
        f"FROM {q(token.db_table)} t INNER JOIN {q(user.db_table)} u ON u.{q('id')} = t.{q('user_id')} "
        f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked_at')} IS NULL AND u.{q('is_active')}"
    )


class AuditEvent(AppendOnlyModel):
    """Sign-ins and other account events, append-only."""

    class Kind(models.TextChoices):
        LOGIN = "login", "Signed in"
        LOGOUT = "logout", "Signed out"
        LOGIN_FAILED = "login_failed", "Sign-in failed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
