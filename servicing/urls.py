from django.urls import path

from . import batch_views, import_views, payoff_views, reassign_views, views

urlpatterns = [
    path("quote/", views.quote_calculator, name="quote-calculator"),
    path("applications/<int:pk>/contract/", views.contract_page, name="contract-page"),
    path("applications/<int:pk>/contract/v<int:version>.pdf", views.contract_download, name="contract-download"),
    path("disbursements/", views.release_queue, name="release-queue"),
    path("loans/", views.loan_list, name="loan-list"),
    path("loans/<int:pk>/", views.loan_detail, name="loan-detail"),
    path("loans/<int:pk>/payoff/", payoff_views.payoff_page, name="loan-payoff"),
    path("loans/<int:pk>/reassign/", reassign_views.loan_reassign_page, name="loan-reassign"),
    path("book-imports/", import_views.book_imports, name="book-imports"),
    path("book-imports/upload/", import_views.book_import_upload, name="book-import-upload"),
    path("book-imports/<int:pk>/decision/", import_views.book_import_decision, name="book-import-decision"),
    path("restructurings/batches/", batch_views.restructuring_batches, name="restructuring-batches"),
    path(
        "restructurings/batches/propose/", batch_views.restructuring_batch_propose, name="restructuring-batch-propose"
    ),
    path(
        "restructurings/batches/<int:pk>/decision/",
        batch_views.restructuring_batch_decision,
        name="restructuring-batch-decision",
    ),
]
