"""Roles are Django groups with permissions; this is the one place that defines them."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet

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
    groups = {
        name: Group.objects.get_or_create(name=name)[0] for name in (PRESCRIBER, REVIEWER, POLICY_STAFF, ADMINISTRATOR)
    }
    groups[POLICY_STAFF].permissions.set(_permissions(POLICY_APP, {"add", "change", "delete", "view"}, NOT_EDITABLE))
    review = [
        p for p in Permission.objects.filter(content_type__app_label="pa_requests") if p.codename == "review_parequest"
    ]
    metrics = [
        p for p in Permission.objects.filter(content_type__app_label="pa_requests") if p.codename == "view_metrics"
    ]
    groups[REVIEWER].permissions.set(_permissions(POLICY_APP, {"view"}, NOT_EDITABLE) + review)
    groups[ADMINISTRATOR].permissions.set(
        _permissions("auth", {"add", "change", "delete", "view"})
        + _permissions("accounts", {"add", "change", "delete", "view"})
        + metrics
    )
    groups[PRESCRIBER].permissions.set([])


def user_has_role(user, role: str) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=role).exists())


# ------------------------------------------------------------------ the prescriber role

MSG_PRESCRIBERS_ONLY = "These pages are for prescribers: your account does not have the prescriber role."

# Set on the signed-in user by the authentication backend, so the check on every prescriber page costs no query.
PRESCRIBER_FLAG = "in_prescriber_group"


def users_with_prescriber_flag(users: QuerySet) -> QuerySet:
    through = Group.user_set.through
    member = through.objects.filter(user=OuterRef("pk"), group__name=PRESCRIBER)
    return users.annotate(**{PRESCRIBER_FLAG: Exists(member)})


def user_is_prescriber(user) -> bool:
    """Membership of the Prescriber group, and nothing else grants it: not superuser status (segregation of
    duties: whoever submits requests is not who decides them or administers the accounts)."""
    if not (user.is_authenticated and user.is_active):
        return False
    flag = getattr(user, PRESCRIBER_FLAG, None)
    if flag is None:
        flag = user.groups.filter(name=PRESCRIBER).exists()
    return bool(flag)


def prescriber_required(view):
    """Every prescriber page: anonymous visitors sign in first; a signed-in user without the role gets a 403."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not user_is_prescriber(request.user):
            raise PermissionDenied(MSG_PRESCRIBERS_ONLY)
        return view(request, *args, **kwargs)

    return login_required(checked)


# ------------------------------------------------------------------ the policy-staff role

MSG_POLICY_STAFF_ONLY = "These pages are for policy staff: your account does not have the policy-staff role."


def user_is_policy_staff(user) -> bool:
    """Policy staff draft, check and publish policy versions; the permission to change versions is the role's."""
    return user.is_authenticated and user.is_active and user.has_perm("policies.change_policyversion")


def policy_staff_required(view):
    """Every policy-authoring page: anonymous visitors sign in first; anyone without the role gets a 403."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not user_is_policy_staff(request.user):
            raise PermissionDenied(MSG_POLICY_STAFF_ONLY)
        return view(request, *args, **kwargs)

    return login_required(checked)
