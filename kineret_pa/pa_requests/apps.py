from django.apps import AppConfig


class PaRequestsConfig(AppConfig):
    name = "kineret_pa.pa_requests"
    label = "pa_requests"
    verbose_name = "Prior-authorization requests"
