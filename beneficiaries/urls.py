from django.urls import path, re_path

from beneficiaries import views, views_needs, views_texting

urlpatterns = [
    path("", views.beneficiary_list, name="beneficiary_list"),
    path("search/", views.beneficiary_search, name="beneficiary_search"),
    path("new/", views.beneficiary_create, name="beneficiary_create"),
    path("import/", views.beneficiary_import, name="beneficiary_import"),
    path(
        "import/template.xlsx",
        views.beneficiary_import_template,
        name="beneficiary_import_template",
    ),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.beneficiary_export, name="beneficiary_export"),
    path("<int:pk>/", views.beneficiary_detail, name="beneficiary_detail"),
    path("<int:pk>/edit/", views.beneficiary_edit, name="beneficiary_edit"),
    path("<int:pk>/detention/", views.detention_edit, name="detention_edit"),
    path("<int:pk>/consent/", views.consent_add, name="consent_add"),
    path("<int:pk>/sms/", views_texting.text_preview, name="text_preview"),
    path("<int:pk>/sms/contact/", views_texting.text_contact_edit, name="text_contact_edit"),
    path("<int:pk>/documents/", views.document_add, name="document_add"),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        views.document_download,
        name="document_download",
    ),
    path("<int:pk>/consent/<int:consent_pk>/scan/", views.consent_scan, name="consent_scan"),
    path("<int:pk>/archive/", views.beneficiary_archive, name="beneficiary_archive"),
    path("<int:pk>/restore/", views.beneficiary_restore, name="beneficiary_restore"),
    path("<int:pk>/needs/", views_needs.needs_list, name="needs_list"),
    path("<int:pk>/needs/new/", views_needs.needs_new, name="needs_new"),
    path("<int:pk>/needs/<int:assessment_pk>/", views_needs.needs_detail, name="needs_detail"),
    path("needs/questionnaires/", views_needs.questionnaire_list, name="questionnaire_list"),
    path("<int:pk>/access-request.pdf", views.access_request, name="beneficiary_access_request"),
]
