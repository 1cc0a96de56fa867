from django.urls import path

from . import views

urlpatterns = [
    path("config/changes/", views.change_list, name="config-change-list"),
    path("config/changes/<int:pk>/", views.change_detail, name="config-change-detail"),
    path("config/policy/", views.policy_propose, name="config-policy"),
]
