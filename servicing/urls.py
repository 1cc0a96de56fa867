from django.urls import path

from . import views

urlpatterns = [
    path("quote/", views.quote_calculator, name="quote-calculator"),
    path("applications/<int:pk>/contract/", views.contract_page, name="contract-page"),
    path("applications/<int:pk>/contract/v<int:version>.pdf", views.contract_download, name="contract-download"),
    path("disbursements/", views.release_queue, name="release-queue"),
    path("loans/", views.loan_list, name="loan-list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan-detail"),
]
