from django.urls import path

from . import admin_views, views

urlpatterns = [
    path("administration/limits/", admin_views.limits, name="admin-limits"),
    path("administration/scorecard/", admin_views.scorecard, name="admin-scorecard"),
    path("approvals/", views.approval_queue, name="approval-queue"),
    path("approvals/<int:pk>/", views.decision_page, name="approval-decide"),
    path("reviews/", views.review_worklist, name="review-worklist"),
    path("underwriting/<int:pk>/", views.case_workbench, name="underwriting-case"),
    path("credit-records/import/", views.credit_import, name="credit-import"),
]
