from django.urls import path

from . import views

urlpatterns = [
    path("administration/", views.home, name="administration-home"),
    path("administration/branches/", views.branch_list, name="admin-branches"),
    path("administration/branches/new/", views.branch_new, name="admin-branch-new"),
    path("administration/branches/<int:pk>/", views.branch_edit, name="admin-branch-edit"),
    path("administration/staff/", views.staff_list, name="admin-staff"),
    path("administration/staff/new/", views.staff_new, name="admin-staff-new"),
    path("administration/staff/<int:pk>/", views.staff_edit, name="admin-staff-edit"),
    path("administration/policy/", views.policy_settings, name="admin-policy"),
]
