from django.urls import path

from casework import views

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/<int:beneficiary_pk>/", views.task_add, name="task_add"),
    path("<int:pk>/done/", views.task_done, name="task_done"),
    path("<int:pk>/postpone/", views.task_postpone, name="task_postpone"),
    path("<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
]
