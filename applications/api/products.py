"""Loan products (read-only)."""

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from microloan.api import ScopedQueryset

from .. import selectors
from ..models import Product
from .serializers import ProductSerializer


@extend_schema(tags=["products"])
class ProductViewSet(ScopedQueryset, viewsets.ReadOnlyModelViewSet):
    """Loan products. Borrowers (and anonymous calculators) see active products only."""

    permissions = {"list": "product.view", "retrieve": "product.view"}
    serializer_class = ProductSerializer
    queryset = Product.objects.none()
    filterset_fields = ["category", "is_active"]

    def scoped_queryset(self):
        return selectors.product_list(user=self.request.user)
