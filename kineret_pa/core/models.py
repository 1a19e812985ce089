"""Abstract base models shared by the apps above: this app sits at the bottom and imports none of them."""

from __future__ import annotations

from django.db import models

MSG_APPEND_ONLY = "Audit records are append-only: they cannot be changed or deleted."


class IPAddressHistoricalModel(models.Model):
    """Adds "from where" to every history record (django-simple-history; accounts' signal fills it in)."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError(MSG_APPEND_ONLY)

    def delete(self):
        raise PermissionError(MSG_APPEND_ONLY)


class AppendOnlyModel(models.Model):
    """A record that is written once: no update, no delete, through the model or its querysets."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(MSG_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(MSG_APPEND_ONLY)
