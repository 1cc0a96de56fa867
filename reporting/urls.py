from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.report_index, name="report-index"),
    path("reports/par/", views.par_report, name="report-par"),
    path("reports/classification/", views.classification_report, name="report-classification"),
    path("reports/flows/", views.flows_report, name="report-flows"),
    path("reports/officers/", views.officers_report, name="report-officers"),
    path("reports/turnaround/", views.turnaround_report, name="report-turnaround"),
]
