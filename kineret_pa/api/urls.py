from django.urls import path

from . import views

urlpatterns = [
    path("v1/determinations", views.determinations, name="api-determinations"),
    path("v1/openapi.json", views.openapi, name="api-openapi"),
]
