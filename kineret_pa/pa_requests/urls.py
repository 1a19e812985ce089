from django.urls import path

from kineret_pa.accounts.roles import prescriber_required

from . import review_views, views

wizard = prescriber_required(views.RequestWizard.as_view(url_name="pa-request-step", done_step_name="finished"))

urlpatterns = [
    path("", views.request_list, name="pa-request-list"),
    path("new/", views.request_new, name="pa-request-new"),
    path("<uuid:pk>/", views.request_detail, name="pa-request-detail"),
    path("<uuid:pk>/edit/<str:step>/", wizard, name="pa-request-step"),
    path("<uuid:pk>/letter/", views.request_letter, name="pa-request-letter"),
    path("<uuid:pk>/renew/", views.request_renew, name="pa-request-renew"),
    path("<uuid:pk>/discard/", views.request_discard, name="pa-request-discard"),
    path("<uuid:pk>/withdraw/", review_views.withdraw, name="pa-request-withdraw"),
    path("<uuid:pk>/answer/", review_views.answer, name="pa-request-answer"),
    path("<uuid:pk>/appeal/", review_views.appeal, name="pa-request-appeal"),
    path("<uuid:pk>/attach/", review_views.attach, name="pa-request-attach"),
    path("files/<uuid:pk>/", review_views.attachment_download, name="attachment-download"),
]
