"""A schedule and its APR for any terms, before a loan exists (anonymous, throttled)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.models import Frequency, Method, Product
from microloan import fields
from microloan.errors import InvalidInput
from microloan.throttling import AnonRateThrottle, UserRateThrottle

from .. import services
from .common import MONEY


class QuoteThrottle(AnonRateThrottle):
    scope = "quote"


class QuoteUserThrottle(UserRateThrottle):
    scope = "quote"


class QuoteIn(serializers.Serializer):
    principal = fields.DecimalField(**MONEY)
    annual_rate = fields.DecimalField(max_digits=9, decimal_places=6)
    term = fields.IntegerField()
    frequency = serializers.ChoiceField(choices=Frequency.choices, default="monthly")
    method = serializers.ChoiceField(choices=Method.choices)
    disbursement_date = fields.DateField(required=False)
    fee = fields.DecimalField(**MONEY, default=Decimal("0.00"))
    grace_periods = fields.IntegerField(default=0)
    product = fields.IntegerField(required=False)


class InstallmentOut(serializers.Serializer):
    number = fields.IntegerField()
    due_date = fields.DateField()
    principal = fields.DecimalString()
    interest = fields.DecimalString()
    total = fields.DecimalString()
    balance_after = fields.DecimalString()


QuoteOut = inline_serializer(
    "Quote",
    {
        "installments": InstallmentOut(many=True),
        "total_principal": fields.DecimalString(),
        "total_interest": fields.DecimalString(),
        "total_payable": fields.DecimalString(),
        "apr": fields.DecimalString(),
    },
)


@extend_schema(tags=["quotes"], request=QuoteIn, responses=QuoteOut)
class QuoteView(APIView):
    """A schedule and its APR for any terms, before a loan exists (anonymous, throttled)."""

    permission_action = "public"
    authentication_classes = []
    throttle_classes = [QuoteThrottle]

    def post(self, request):
        s = QuoteIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        product_id = data.pop("product", None)
        if product_id is not None:
            product = Product.objects.filter(pk=product_id, is_active=True).first()
            if product is None:
                raise InvalidInput({"product": ["No such active product."]})
            data["product"] = product
        return Response(services.quote(**data).as_dict())
