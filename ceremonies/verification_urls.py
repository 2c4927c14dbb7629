from django.urls import path

from ceremonies import verification_views as views

urlpatterns = [
    path(
        "<int:pk>/verification/<int:months>/", views.verification_round, name="verification_round"
    ),
    path(
        "<int:pk>/verification/<int:months>/draw/",
        views.verification_draw,
        name="verification_draw",
    ),
    path(
        "<int:pk>/verification/<int:months>/checks/<int:check_pk>/",
        views.verification_check,
        name="verification_check",
    ),
]
