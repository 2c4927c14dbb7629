from django.urls import path

from partners.views import conventions as views

urlpatterns = [
    path("", views.convention_list, name="convention_list"),
    path("partners/", views.partner_list, name="partner_list"),
    path("<int:pk>/", views.convention_detail, name="convention_detail"),
]
