"""REST API of the trial balance (API.md: ``GET /api/v1/ledger/trial-balance/?date=``): the
same figures as the page (``selectors.trial_balance``, the same filter form), the off-balance
(memo) accounts apart in ``memo_rows``. Wired in ``microloan/urls.py`` under ``api/v1/``."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import fields
from ..errors import InvalidInput
from .selectors import LedgerScope, trial_balance
from .views import TrialBalanceFilter


class TrialBalanceRowOut(serializers.Serializer):
    account = serializers.CharField()
    name = serializers.CharField()
    debit = serializers.CharField()
    credit = serializers.CharField()
    balance = serializers.CharField()


class TrialBalanceOut(serializers.Serializer):
    date = fields.DateField(allow_null=True)
    rows = TrialBalanceRowOut(many=True)
    total_debit = serializers.CharField()
    total_credit = serializers.CharField()
    memo_rows = TrialBalanceRowOut(many=True)


def _row(r: dict) -> dict:
    return {
        "account": r["code"],
        "name": r["name"],
        "debit": str(r["debit"]),
        "credit": str(r["credit"]),
        "balance": str(r["balance"]),
    }


class TrialBalanceView(APIView):
    """The trial balance of the user's branch tree (``branch``: one branch of it) as of
    ``date`` (empty: every entry); memo accounts listed apart in ``memo_rows``."""

    permission_action = "ledger.trial_balance"

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="YYYY-MM-DD"),
            OpenApiParameter("branch", int),
        ],
        responses=TrialBalanceOut,
    )
    def get(self, request):
        form = TrialBalanceFilter(request.query_params or None, user=request.user)
        if form.is_bound and not form.is_valid():
            if "branch" in form.errors:
                raise Http404("No such branch in your branch tree.")
            raise InvalidInput({k: [str(e) for e in v] for k, v in form.errors.items()})
        data = form.cleaned_data if form.is_bound else {}
        tb = trial_balance(as_of=data.get("date"), scope=LedgerScope(user=request.user, branch=data.get("branch")))
        return Response(
            {
                "date": tb["as_of"].isoformat() if tb["as_of"] else None,
                "rows": [_row(r) for r in tb["rows"]],
                "total_debit": str(tb["total_debit"]),
                "total_credit": str(tb["total_credit"]),
                "memo_rows": [_row(r) for r in tb["memo_rows"]],
            }
        )
