"""Django's model backend, with a user's permissions read in one query instead of two."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from .roles import users_with_prescriber_flag


class OneQueryModelBackend(ModelBackend):
    """Every signed-in page asks for permissions (the navigation offers the review queue to
    reviewers, views are guarded by them); Django reads the user's own and their groups'
    permissions in two queries. Same answers, same per-request cache, one query."""

    def get_user(self, user_id):
        """The signed-in user, read with their prescriber membership in the same query: the prescriber
        pages check that role on every request (see roles.prescriber_required)."""
        users = get_user_model()._default_manager
        try:
            user = users_with_prescriber_flag(users.all()).get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                own = Permission.user_set.through.objects.filter(user=user_obj).values("permission")
                groups = Permission.group_set.through.objects.filter(group__user=user_obj).values("permission")
                permissions = permissions.filter(Q(pk__in=own) | Q(pk__in=groups))
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in permissions.values_list("content_type__app_label", "codename").order_by()
            }
        return user_obj._perm_cache
