from django.urls import path

from . import care_views, views

urlpatterns = [
    path("quote/", views.quote_calculator, name="quote-calculator"),
    path("applications/<int:pk>/contract/", views.contract_page, name="contract-page"),
    path("applications/<int:pk>/contract/v<int:version>.pdf", views.contract_download, name="contract-download"),
    path("loans/", views.loan_list, name="loan-list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan-detail"),
    path("care/", care_views.worklist, name="care-worklist"),
    path("care/run-periodic-reviews/", care_views.run_periodic_reviews, name="care-run-periodic-reviews"),
    path("care/complaints/new/", care_views.complaint_new, name="care-complaint-new"),
    path("care/complaints/<int:pk>/", care_views.complaint_detail, name="care-complaint"),
    path("care/visits/<int:pk>/", care_views.visit_detail, name="care-visit"),
    path("care/reviews/<int:pk>/", care_views.review_detail, name="care-review"),
]
