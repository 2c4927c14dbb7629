from django.urls import path

from partners.views import conventions as views
from partners.views import services

urlpatterns = [
    path("", views.convention_list, name="convention_list"),
    path("partners/", views.partner_list, name="partner_list"),
    path("services/", services.partner_service_list, name="partner_service_list"),
    path("services/new/", services.partner_service_edit, name="partner_service_create"),
    path("services/<int:pk>/", services.partner_service_edit, name="partner_service_edit"),
    path("<int:pk>/", views.convention_detail, name="convention_detail"),
]
