from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from applications import api as intake_api
from applications import document_views as intake_documents
from applications import views as intake_views
from applications.api import onboarding as intake_onboarding
from care import api as care_api
from collection.api import cases as collection_api
from servicing import api as servicing_api
from servicing.api import payments as servicing_payments
from underwriting import api as underwriting_api

from . import auth_api, views
from . import auth_views as login_views
from .administration import views as admin_views
from .config import api as config_api
from .holidays import api as holidays_api
from .ledger import api as ledger_api
from .ledger import views as ledger_views
from .notifications.api import MyNotificationReadView, MyNotificationsView
from .otp import api as otp_api


class APIRootView(routers.APIRootView):
    """The API's index of endpoints, for any login."""

    permission_action = "account"


router = DefaultRouter()
router.APIRootView = APIRootView
router.register("borrowers", intake_api.BorrowerViewSet, basename="borrower")
router.register("products", intake_api.ProductViewSet, basename="product")
router.register("leads", intake_api.LeadViewSet, basename="lead")
router.register("applications", intake_api.ApplicationViewSet, basename="application")
router.register("applications", underwriting_api.UnderwritingViewSet, basename="application-underwriting")
router.register("applications", servicing_api.ContractViewSet, basename="application-contract")
router.register("disbursements", servicing_api.DisbursementViewSet, basename="disbursement")
router.register("loans", servicing_api.LoanViewSet, basename="loan")
router.register("credit-records", underwriting_api.CreditRecordViewSet, basename="credit-record")
router.register("complaints", care_api.ComplaintViewSet, basename="complaint")
router.register("follow-up-visits", care_api.FollowUpVisitViewSet, basename="follow-up-visit")
router.register("credit-reviews", care_api.CreditReviewViewSet, basename="credit-review")
router.register("feedback", care_api.FeedbackViewSet, basename="feedback")
router.register("me/complaints", care_api.MyComplaintViewSet, basename="my-complaint")
router.register("me/feedback", care_api.MyFeedbackViewSet, basename="my-feedback")
router.register("collection/cases", collection_api.CollectionCaseViewSet, basename="collection-case")
router.register("collection/write-offs", collection_api.WriteOffViewSet, basename="write-off")
router.register("config-changes", config_api.ConfigChangeViewSet, basename="config-change")
router.register("holidays", holidays_api.HolidayViewSet, basename="holiday")

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", auth_api.LogoutView.as_view(), name="logout"),
    path("auth/otp/", otp_api.OtpRequestView.as_view(), name="otp"),
    path("auth/register/", otp_api.RegisterView.as_view(), name="register"),
    path("auth/otp-login/", otp_api.OtpLoginView.as_view(), name="otp-login"),
    path("auth/password-reset/", otp_api.PasswordResetView.as_view(), name="password-reset"),
    path("me/", intake_api.MeView.as_view(), name="me"),
    path("me/identity/", intake_onboarding.IdentityView.as_view(), name="my-identity"),
    path("me/identity/photo/", intake_onboarding.IdentityPhotoView.as_view(), name="my-identity-photo"),
    path("me/export/", intake_api.MeExportView.as_view(), name="my-export"),
    path("me/notifications/", MyNotificationsView.as_view(), name="my-notifications"),
    path("me/notifications/<int:pk>/read/", MyNotificationReadView.as_view(), name="my-notification-read"),
    path("loans/<int:pk>/payment-orders/", servicing_payments.PaymentOrdersView.as_view(), name="payment-orders"),
    path("me/mandates/", servicing_payments.MandatesView.as_view(), name="my-mandates"),
    path("me/mandates/<int:pk>/revoke/", servicing_payments.MandateRevokeView.as_view(), name="my-mandate-revoke"),
    path("quotes/", servicing_api.QuoteView.as_view(), name="quote"),
    path("payments/callback/", servicing_api.PaymentCallbackView.as_view(), name="payment-callback"),
    path("ledger/trial-balance/", ledger_api.TrialBalanceView.as_view(), name="trial-balance"),
    path(
        "applications/<int:pk>/contract.pdf",
        servicing_api.ContractViewSet.as_view({"get": "contract_pdf"}),
        name="contract-pdf",
    ),
    path(
        "applications/<int:id>/documents/<int:doc_id>/file/",
        intake_documents.DocumentFileView.as_view(),
        name="document-file",
    ),
    # Recoveries on written-off loans (the maker-checker pair's record, confirm, return).
    path("", include("collection.api.recoveries")),
    # Batch disaster deferrals over a branch tree (proposed by one manager, approved by another).
    path("", include("servicing.api.restructuring_batches")),
    path("", include(router.urls)),
]

urlpatterns = [
    # The API first: the mobile app's requests are matched before the officer screens' patterns.
    path("api/v1/", include((api_v1, "api"))),
    path("", intake_views.dashboard, name="dashboard"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", login_views.LoginView.as_view(), name="login"),
    path("accounts/login/otp/", login_views.login_otp, name="login-otp"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", login_views.password_change, name="password-change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("ledger/trial-balance/", ledger_views.trial_balance_view, name="trial-balance"),
    path("", include("applications.urls")),
    path("", include("underwriting.urls")),
    path("", include("servicing.urls")),
    path("", include("care.urls")),
    path("", include("collection.urls")),
    path("", include("reporting.urls")),
    path("", include("microloan.config.urls")),
    path("", include("microloan.holidays.urls")),
    path("", include("microloan.administration.urls")),
    path("", include("microloan.borrower_app")),  # the borrowers' PWA at /app/
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its initialisation script as a file: no inline script (the CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # The Django admin's index sends everyone but a superuser to the product's own screens.
    path(settings.MICROLOAN_ADMIN_PATH, admin_views.admin_entry, name="admin-entry"),
    path(settings.MICROLOAN_ADMIN_PATH, admin.site.urls),
]

handler403 = "microloan.views.forbidden"
handler404 = "microloan.views.not_found"
handler500 = "microloan.views.server_error"
