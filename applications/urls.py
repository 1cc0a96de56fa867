from django.urls import path, re_path

from . import admin_views, document_views, views

urlpatterns = [
    path("administration/products/", admin_views.product_list, name="admin-products"),
    path("administration/products/new/", admin_views.product_new, name="admin-product-new"),
    path("administration/products/<int:pk>/", admin_views.product_edit, name="admin-product-edit"),
    path("borrowers/", views.borrower_list, name="borrower-list"),
    path("borrowers/new/", views.borrower_create, name="borrower-create"),
    path("borrowers/<int:pk>/", views.borrower_detail, name="borrower-detail"),
    path("borrowers/<int:pk>/reveal/", views.borrower_reveal, name="borrower-reveal"),
    path("borrowers/<int:pk>/consents/", views.consent_record, name="consent-record"),
    path("borrowers/<int:pk>/consents/<int:consent_pk>/file/", document_views.consent_file, name="consent-file"),
    path("borrowers/<int:pk>/consents/<int:consent_pk>/revoke/", views.consent_revoke, name="consent-revoke"),
    path("borrowers/<int:borrower_pk>/apply/", views.application_create, name="application-create"),
    path("applications/", views.application_list, name="application-list"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path("applications/<int:pk>/reveal/", views.application_reveal, name="application-reveal"),
    path("applications/<int:pk>/documents/", views.document_upload, name="document-upload"),
    path("applications/<int:pk>/documents/<int:doc_pk>/review/", views.document_review, name="document-review"),
    path("applications/<int:pk>/documents/<int:doc_pk>/file/", document_views.document_file, name="document-file"),
    re_path(
        r"^applications/(?P<pk>\d+)/(?P<action>submit|withdraw)/$",
        views.application_transition,
        name="application-transition",
    ),
    path("leads/", views.lead_list, name="lead-list"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead-convert"),
]
