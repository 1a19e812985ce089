from django.urls import path

from . import views
from .crd import SERVICE_ID

# CDS Hooks fixes these paths: {base}/cds-services and {base}/cds-services/{id}, without a trailing slash.
urlpatterns = [
    path("cds-services", views.cds_services, name="cds-services"),
    path(f"cds-services/{SERVICE_ID}", views.order_sign, name="cds-order-sign"),
]
