from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "kineret_pa.accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (audit of sign-ins; IP on history rows)
        from .roles import roles_ensure

        # After every migrate, so the groups always carry the permissions of every model.
        post_migrate.connect(lambda **kwargs: roles_ensure(), dispatch_uid="kineret-pa-roles", weak=False)
