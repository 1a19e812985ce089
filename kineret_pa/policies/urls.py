"""Policy staff's pages: versions drafted, read back, tested, replayed, compared and published."""

from django.urls import path

from . import editor_views, views

app_name = "authoring"

urlpatterns = [
    path("", views.version_list, name="versions"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/copy/", views.version_copy, name="version-copy"),
    path("versions/<int:pk>/publish/", views.version_publish_view, name="version-publish"),
    path("versions/<int:pk>/diff/", views.version_diff, name="version-diff"),
    path("test-cases/<int:pk>/expectation/", views.testcase_expectation, name="testcase-expectation"),
    *editor_views.urlpatterns,
]
