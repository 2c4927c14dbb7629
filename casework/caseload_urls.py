from django.urls import path

from casework import caseload_views as views

urlpatterns = [
    path("", views.caseload_home, name="caseload"),
    path("<int:centre_pk>/", views.caseload_centre, name="caseload_centre"),
]
