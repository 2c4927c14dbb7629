from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.urls import include, path

from partners.views import ceremonies
from reintegration.admin import admin_site
from reintegration.views import auth, dashboard, pages

admin.autodiscover()

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("dashboard/summary.pdf", dashboard.dashboard_pdf, name="dashboard_pdf"),
    path("dashboard/<slug:table>.xlsx", dashboard.dashboard_export, name="dashboard_export"),
    path("centres/", pages.centre_list, name="centre_list"),
    path("audit/", pages.audit_log, name="audit_log"),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("projects/", include("projects.urls")),
    path("conventions/", include("partners.urls")),
    path("ceremonies/", include("partners.ceremony_urls")),
    # Public: the address printed under the QR code of every handover certificate.
    path("verify/", ceremonies.certificate_verify, name="certificate_verify_form"),
    path("verify/<str:code>/", ceremonies.certificate_verify, name="certificate_verify"),
    path("language/", pages.set_language, name="set_language"),
    path("healthz", pages.healthz, name="healthz"),
    path("accounts/login/", auth.SignInView.as_view(), name="login"),
    path("accounts/logout/", django_auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin_site.urls),
]

handler400 = "reintegration.views.errors.bad_request"
handler500 = "reintegration.views.errors.server_error"
