from django.urls import include, path, re_path

from projects import views

urlpatterns = [
    path("", include("projects.referral_urls")),
    path("", views.project_list, name="project_list"),
    path("inbox/", views.approval_inbox, name="approval_inbox"),
    path("visits/overdue/", views.overdue_visits, name="overdue_visits"),
    path("file/<int:beneficiary_pk>/summary.pdf", views.file_summary, name="file_summary"),
    path("new/<int:beneficiary_pk>/", views.project_create, name="project_create"),
    path("<int:pk>/", views.project_detail, name="project_detail"),
    path("<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("<int:pk>/budget/", views.budget_lines, name="budget_lines"),
    path("<int:pk>/lines/new/", views.budget_line, name="budget_line_add"),
    path("<int:pk>/lines/<int:line_pk>/", views.budget_line, name="budget_line_edit"),
    path(
        "<int:pk>/lines/<int:line_pk>/delete/", views.budget_line_delete, name="budget_line_delete"
    ),
    path("<int:pk>/visits/<int:visit_pk>/", views.visit_record, name="visit_record"),
    re_path(
        r"^(?P<pk>[0-9]+)/(?P<action>submit|approve|return|reject|fund|close|abandon)/$",
        views.project_action,
        name="project_action",
    ),
]
