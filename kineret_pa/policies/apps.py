from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "kineret_pa.policies"
    verbose_name = "Policy data"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the revision bump)
