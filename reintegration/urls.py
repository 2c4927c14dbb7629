from django.contrib import admin
from django.contrib.auth import views as django_auth_views
from django.urls import include, path

from reintegration.admin import admin_site
from reintegration.views import auth, jobs, logs, notifications, outbox, pages, two_factor

admin.autodiscover()

urlpatterns = [
    # Apps are included by name: the project package imports none of them.
    path("", include("dashboard.urls")),
    path("centres/", pages.centre_list, name="centre_list"),
    path("audit/", logs.audit_log, name="audit_log"),
    path("audit/export.xlsx", logs.audit_log_export, name="audit_log_export"),
    path("access-log/", logs.access_log_page, name="access_log"),
    path("access-log/export.xlsx", logs.access_log_export, name="access_log_export"),
    path("jobs/<int:pk>/", jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/result/", jobs.job_result, name="job_result"),
    path("outbox/", outbox.outbox_failures, name="outbox_failures"),
    path("outbox/<int:pk>/retry/", outbox.outbox_retry, name="outbox_retry"),
    path("notifications/", notifications.notification_list, name="notification_list"),
    path(
        "notifications/<int:pk>/open/",
        notifications.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/read/", notifications.notifications_read_all, name="notifications_read_all"
    ),
    path("beneficiaries/", include("beneficiaries.urls")),
    path("tasks/", include("casework.urls")),
    path("projects/", include("projects.urls")),
    path("transfers/", include("casework.transfer_urls")),
    path("caseload/", include("casework.caseload_urls")),
    path("conventions/", include("partners.urls")),
    path("", include("ceremonies.urls")),
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
    path("accounts/password/reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/", two_factor.account, name="two_factor"),
    path("accounts/two-factor/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", two_factor.verify, name="two_factor_verify"),
    path(
        "accounts/notifications/",
        notifications.notification_preference,
        name="notification_preference",
    ),
    path("admin/", admin_site.urls),
]

handler400 = "reintegration.views.errors.bad_request"
handler500 = "reintegration.views.errors.server_error"
