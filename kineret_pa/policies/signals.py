"""Any change to policy data bumps the revision, so cached snapshots are rebuilt."""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from .snapshots import revision_bump


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    revision_bump()


def _connect() -> None:
    config = apps.get_app_config("policies")
    for model in config.get_models():
        # Test cases are not read by determinations: saving one must not rebuild every snapshot.
        if model.__name__ in ("PolicyDataRevision", "PolicyTestCase") or model.__name__.startswith("Historical"):
            continue
        uid = f"policy-revision-{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(_changed, sender=field.remote_field.through, dispatch_uid=f"{uid}-{field.name}")


_connect()
