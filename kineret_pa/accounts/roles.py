"""Roles are Django groups with permissions; this is the one place that defines them."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission

PRESCRIBER = "Prescriber"
REVIEWER = "Reviewer"
POLICY_STAFF = "Policy staff"
ADMINISTRATOR = "Administrator"

# Policy data that staff edit; the revision counter is bookkeeping, never edited by hand.
POLICY_APP = "policies"
NOT_EDITABLE = {"policydatarevision"}


def _permissions(app_label: str, actions: set[str], exclude: set[str] = frozenset()) -> list[Permission]:
    perms = Permission.objects.filter(content_type__app_label=app_label).select_related("content_type")
    return [p for p in perms if p.codename.split("_", 1)[0] in actions and p.content_type.model not in exclude]


def roles_ensure() -> None:
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in (PRESCRIBER, REVIEWER, POLICY_STAFF, ADMINISTRATOR)}
    groups[POLICY_STAFF].permissions.set(_permissions(POLICY_APP, {"add", "change", "delete", "view"}, NOT_EDITABLE))
    review = [p for p in Permission.objects.filter(content_type__app_label="pa_requests") if p.codename == "review_parequest"]
    metrics = [p for p in Permission.objects.filter(content_type__app_label="pa_requests") if p.codename == "view_metrics"]
    groups[REVIEWER].permissions.set(_permissions(POLICY_APP, {"view"}, NOT_EDITABLE) + review)
    groups[ADMINISTRATOR].permissions.set(
        _permissions("auth", {"add", "change", "delete", "view"}) + _permissions("accounts", {"add", "change", "delete", "view"})
        + metrics
    )
    groups[PRESCRIBER].permissions.set([])


def user_has_role(user, role: str) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=role).exists())
