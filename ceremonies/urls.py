from django.urls import include, path, re_path

from ceremonies import views, views_texting

ceremony_patterns = [
    path("", views.ceremony_list, name="ceremony_list"),
    path("new/", views.ceremony_create, name="ceremony_create"),
    path("<int:pk>/", views.ceremony_detail, name="ceremony_detail"),
    path("<int:pk>/edit/", views.ceremony_edit, name="ceremony_edit"),
    path("<int:pk>/beneficiaries/", views.ceremony_projects, name="ceremony_projects"),
    path("<int:pk>/handovers/<int:handover_pk>/", views.handover_edit, name="handover_edit"),
    path(
        "<int:pk>/handovers/<int:handover_pk>/remove/",
        views.handover_remove,
        name="handover_remove",
    ),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>hold|close)/$", views.ceremony_action, name="ceremony_action"
    ),
    path("<int:pk>/cancel/", views.ceremony_cancel, name="ceremony_cancel"),
    path("<int:pk>/sms/", views_texting.ceremony_text, name="ceremony_text"),
    path("<int:pk>/attendance.pdf", views.ceremony_attendance, name="ceremony_attendance"),
    path("<int:pk>/certificates/issue/", views.certificates_issue, name="certificates_issue"),
    path("<int:pk>/certificates.pdf", views.ceremony_batch, name="ceremony_batch"),
    path(
        "<int:pk>/certificates/prepare/",
        views.ceremony_batch_prepare,
        name="ceremony_batch_prepare",
    ),
    path(
        "<int:pk>/certificates/<int:certificate_pk>.pdf",
        views.certificate_pdf,
        name="certificate_pdf",
    ),
    path(
        "<int:pk>/certificates/<int:certificate_pk>/correct/",
        views.certificate_correct,
        name="certificate_correct",
    ),
    path("", include("ceremonies.verification_urls")),
]

urlpatterns = [
    path("ceremonies/", include(ceremony_patterns)),
    # Public: the address printed under the QR code of every handover certificate.
    path("verify/", views.certificate_verify, name="certificate_verify_form"),
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
]
