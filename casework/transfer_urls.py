from django.urls import path

from casework import transfer_views as views

urlpatterns = [
    path("", views.transfer_list, name="transfer_list"),
    path("file/<int:beneficiary_pk>/", views.transfer_request, name="transfer_request"),
    path("<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("<int:pk>/accept/", views.transfer_accept, name="transfer_accept"),
    path("<int:pk>/decline/", views.transfer_decline, name="transfer_decline"),
    path("<int:pk>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
