from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Abstract base models every app builds on; no tables, so no migrations."""

    name = "kineret_pa.core"
    verbose_name = "Core"
