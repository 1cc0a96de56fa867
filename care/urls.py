from django.urls import path

from . import views

urlpatterns = [
    path("care/", views.worklist, name="care-worklist"),
    path("care/run-periodic-reviews/", views.run_periodic_reviews, name="care-run-periodic-reviews"),
    path("care/complaints/new/", views.complaint_new, name="care-complaint-new"),
    path("care/complaints/<int:pk>/", views.complaint_detail, name="care-complaint"),
    path("care/visits/<int:pk>/", views.visit_detail, name="care-visit"),
    path("care/reviews/<int:pk>/", views.review_detail, name="care-review"),
]
