"""REST API for intake (API.md: borrowers, products, leads, applications, documents, me/).

Views only parse input, call a service and render its result: no rules live here. The
serializers are shared by every resource (and by the underwriting and servicing APIs, which
answer with the application); the views live one module per resource."""

from .applications import ApplicationViewSet
from .borrowers import BorrowerViewSet, MeExportView, MeView
from .common import application_response
from .leads import LeadViewSet
from .products import ProductViewSet
from .serializers import (
    ApplicationCreateSerializer,
    ApplicationSerializer,
    BorrowerSerializer,
    BorrowerUpdateSerializer,
    DocumentSerializer,
    LeadSerializer,
    ProductSerializer,
)

__all__ = [
    "ApplicationCreateSerializer",
    "ApplicationSerializer",
    "ApplicationViewSet",
    "BorrowerSerializer",
    "BorrowerUpdateSerializer",
    "BorrowerViewSet",
    "DocumentSerializer",
    "LeadSerializer",
    "LeadViewSet",
    "MeExportView",
    "MeView",
    "ProductSerializer",
    "ProductViewSet",
    "application_response",
]
