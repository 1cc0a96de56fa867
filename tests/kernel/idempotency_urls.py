"""Test-only views for the Idempotency-Key decorator: each executed POST writes one audit event,
so the tests can count how often the work really ran."""

import time

from django.urls import include, path
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from microloan.audit import audit_record
from microloan.errors import InvalidInput
from microloan.idempotency import idempotent

ENTITY = "idem_test"
# Switched off by a test to show that a request which crashed can be retried with its key.
BOOM_ENABLED = True


def execute(request, *, entity_id: int) -> Response:
    data = request.data
    if data.get("bad"):
        raise InvalidInput({"amount": "Enter a positive amount."})
    if data.get("boom") and BOOM_ENABLED:
        raise RuntimeError("boom")
    if data.get("unavailable"):
        return Response({"detail": "try later"}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    time.sleep(float(data.get("sleep", 0)))  # widens the race in the concurrency test
    event = audit_record(actor=request.user, entity=ENTITY, entity_id=entity_id, action="post", data=dict(data))
    return Response({"id": event.pk, "amount": data.get("amount"), "at": event.at}, status=status.HTTP_201_CREATED)


class PaymentView(APIView):
    permission_action = "account"

    @idempotent
    def post(self, request):
        """Take a payment."""
        return execute(request, entity_id=0)


class ThingViewSet(viewsets.ViewSet):
    permission_action = "account"

    @action(detail=True, methods=["post"])
    @idempotent
    def disburse(self, request, pk=None):
        """Pay a thing out."""
        return execute(request, entity_id=int(pk))


router = SimpleRouter()
router.register("things", ThingViewSet, basename="thing")

urlpatterns = [
    path("payments/", PaymentView.as_view(), name="payments"),
    path("", include(router.urls)),
]
