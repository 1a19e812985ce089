from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kineret_pa.api"
    verbose_name = "Determination API"
