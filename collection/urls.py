from django.urls import path

from . import report_views, views

urlpatterns = [
    path("collections/", views.worklist, name="collection-worklist"),
    path("collections/<int:pk>/", views.case_detail, name="collection-case"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("sandbox/advance/", views.sandbox_advance, name="sandbox-advance"),
    path("reports/", report_views.report_index, name="report-index"),
    path("reports/par/", report_views.par_report, name="report-par"),
    path("reports/classification/", report_views.classification_report, name="report-classification"),
    path("reports/flows/", report_views.flows_report, name="report-flows"),
    path("reports/officers/", report_views.officers_report, name="report-officers"),
    path("reports/turnaround/", report_views.turnaround_report, name="report-turnaround"),
]
