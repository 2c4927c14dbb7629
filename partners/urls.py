from django.urls import path, re_path

from partners.views import conventions as views

urlpatterns = [
    path("", views.convention_list, name="convention_list"),
    path("partners/", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.convention_detail, name="convention_detail"),
    path("<int:pk>/report/", views.convention_report_view, name="convention_report"),
    re_path(
        r"^(?P<pk>[0-9]+)/report\.(?P<fmt>xlsx|pdf)$",
        views.convention_report_view,
        name="convention_report_file",
    ),
]
