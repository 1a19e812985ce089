"""Accounts in the admin: who may grant which role, and API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import ApiToken
from .roles import ADMINISTRATOR

MSG_ADMINISTRATOR_GROUP = "Only a superuser may grant or remove membership of the Administrator group."

# What only a superuser grants or removes; an administrator (staff, not superuser) manages the other roles.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "is_staff", "user_permissions")
SUPERUSER_ONLY_GROUPS = frozenset({ADMINISTRATOR})
# An administrator's own account: none of these, so nobody raises their own privileges.
ROLE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def _privileged(user) -> bool:
    """A superuser or an administrator: an administrator changes neither of them, except their own details."""
    return user.is_superuser or user.groups.filter(name__in=SUPERUSER_ONLY_GROUPS).exists()


admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class KineretUserAdmin(UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        if obj is not None and obj.pk == request.user.pk:
            return fields + [f for f in ROLE_FIELDS if f not in fields]
        return fields + [f for f in SUPERUSER_ONLY_FIELDS if f not in fields]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.pk != request.user.pk and not request.user.is_superuser and _privileged(obj):
            return False  # their password, too: taking over a superuser's account is an escalation
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser and (obj.pk == request.user.pk or _privileged(obj)):
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or "groups" not in form.base_fields:
            return form

        class AdministratorGroupGuarded(form):
            def clean_groups(self):
                groups = self.cleaned_data["groups"]
                before = set(self.instance.groups.filter(name__in=SUPERUSER_ONLY_GROUPS)) if self.instance.pk else set()
                if {g for g in groups if g.name in SUPERUSER_ONLY_GROUPS} != before:
                    raise ValidationError(MSG_ADMINISTRATOR_GROUP)
                return groups

        return AdministratorGroupGuarded


@admin.register(Group)
class KineretGroupAdmin(GroupAdmin):
    """Roles and their permissions are defined in code (roles.py) and reset after every migrate; an
    administrator who could edit them could give their own group any permission."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.revoked_at is not None:
            fields.append("revoked_at")  # revocation is final: a new token is issued instead (the model refuses too)
        return fields

    def has_add_permission(self, request):
        return False  # issued with `manage.py create_api_token`, so the secret is shown once

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
