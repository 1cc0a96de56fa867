"""The training sandbox's borrower-side pages (#13): the SMS inbox (what the SMS backend was
given, newest first, for trainers to read the codes) and the demo channel's payment page."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from microloan.notifications import Channel, Notification
from microloan.parsers import FormParser, MultiPartParser
from microloan.permissions import page

from .services import sandbox as sandbox_service
from .services import sandbox_payments

INBOX_ROWS = 200


@page("sandbox.use")
def sms_inbox(request):
    if not sandbox_service.sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    rows = (
        Notification.objects.filter(channel=Channel.SMS)
        .order_by("-created_at", "-id")
        .only("created_at", "to_address", "body", "status", "kind")[:INBOX_ROWS]
    )
    return render(request, "collection/sandbox_messages.html", {"messages_sent": rows})


@extend_schema(exclude=True)
class SandboxPayView(APIView):
    """The demo channel's payment page, opened by the order's secret link (no login, as a
    payment gateway's checkout page)."""

    permission_action = "sandbox.pay"
    authentication_classes: list = []
    parser_classes = [FormParser, MultiPartParser]

    def _page(self, order, status=200):
        html = render_to_string("collection/sandbox_pay.html", {"order": order}, request=self.request._request)
        return HttpResponse(html, status=status)

    def get(self, request, token):
        return self._page(sandbox_payments.sandbox_order(token))

    def post(self, request, token):
        outcome = "decline" if request.data.get("outcome") == "decline" else "pay"
        return self._page(sandbox_payments.sandbox_pay(token=token, outcome=outcome))
