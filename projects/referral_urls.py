from django.urls import path

from projects import referral_views as views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("file/<int:beneficiary_pk>/refer/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("referrals/<int:pk>/outcome/", views.referral_outcome, name="referral_outcome"),
    path(
        "file/<int:beneficiary_pk>/placements/new/",
        views.placement_create,
        name="placement_create",
    ),
    path("placements/<int:pk>/end/", views.placement_end, name="placement_end"),
    path("placements/<int:pk>/check/", views.placement_check, name="placement_check"),
]
