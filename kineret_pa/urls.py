from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .accounts import otp_views
from .pa_requests import impact_views, metrics, review_views
from .pa_requests import views as pa_views

admin.site.site_header = "Kineret PA — policy data"
admin.site.site_title = "Kineret PA admin"
admin.site.index_title = "Policies, drugs, limits and criteria"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/otp/setup/", otp_views.setup, name="otp-setup"),
    path("accounts/otp/verify/", otp_views.verify, name="otp-verify"),
    path("admin/", admin.site.urls),
    path("policy/versions/<int:pk>/impact/", impact_views.version_impact, name="policy-impact"),
    path("policy/", include("kineret_pa.policies.urls")),
    path("api/", include("kineret_pa.api.urls")),
    path("", include("kineret_pa.fhir.urls")),  # CDS Hooks (Da Vinci CRD): /cds-services
    path("requests/", include("kineret_pa.pa_requests.urls")),
    path("profile/", pa_views.profile_edit, name="profile"),
    path("notifications/", pa_views.notifications, name="notifications"),
    path("review/", review_views.queue, name="review-queue"),
    path("review/<uuid:pk>/", review_views.review_detail, name="review-detail"),
    path("metrics/", metrics.metrics_view, name="metrics"),
    path("metrics/public/", metrics.metrics_public_view, name="metrics-public"),
]
