from django.urls import path, re_path

from dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/summary/", views.dashboard_pdf, name="dashboard_pdf"),
    path("dashboard/<slug:table>.xlsx", views.dashboard_export, name="dashboard_export"),
    path("conventions/<int:pk>/report/", views.convention_report_view, name="convention_report"),
    re_path(
        r"^conventions/(?P<pk>[0-9]+)/report\.(?P<fmt>xlsx)$",
        views.convention_report_view,
        name="convention_report_file",
    ),
    path(
        "conventions/<int:pk>/report/pdf/",
        views.convention_report_pdf,
        name="convention_report_pdf",
    ),
]
