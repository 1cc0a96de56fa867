"""The bare DRF endpoint of the API benchmark (bench/api.sh): what a read of one loan costs
with nothing of the product's own in it.

``GET /bench/bare/loans/<id>/``: a DRF ``APIView`` served by the same gunicorn, the same
production settings and the same middleware as the real API, with no authentication, no
permission, no throttle, no serializer and no ORM: two raw SQL statements (the loan row, its
current instalments) and a plain dict rendered by DRF's JSON renderer. The real reads are
measured as a ratio to it (bench/API_RESULTS.md).

Mounted only by bench/bare_settings.py (the benchmark's settings), never by the product.
"""

from django.db import connection
from django.http import Http404
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan.urls import urlpatterns as product_urlpatterns

LOAN_SQL = (
    "SELECT id, status, principal, outstanding_principal, annual_rate, apr, term, frequency, method, "
    "disbursed_on, maturity_date, days_past_due, overdue_amount, bucket, schedule_version "
    "FROM servicing_loan WHERE id = %s"
)
INSTALMENTS_SQL = (
    "SELECT number, due_date, principal_due, interest_due, fee_due, balance_after, principal_paid, "
    "interest_paid, status FROM servicing_installment "
    "WHERE loan_id = %s AND is_current AND schedule_version = %s ORDER BY number"
)
LOAN_COLUMNS = [c.strip() for c in LOAN_SQL.split("SELECT ")[1].split(" FROM")[0].split(",")]
INSTALMENT_COLUMNS = [c.strip() for c in INSTALMENTS_SQL.split("SELECT ")[1].split(" FROM")[0].split(",")]


class BareLoanView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request, pk):
        with connection.cursor() as cursor:
            cursor.execute(LOAN_SQL, [pk])
            row = cursor.fetchone()
            if row is None:
                raise Http404
            loan = {c: _plain(v) for c, v in zip(LOAN_COLUMNS, row, strict=True)}
            cursor.execute(INSTALMENTS_SQL, [pk, loan["schedule_version"]])
            loan["installments"] = [
                {c: _plain(v) for c, v in zip(INSTALMENT_COLUMNS, r, strict=True)} for r in cursor.fetchall()
            ]
        return Response(loan)


def _plain(value):
    return value if value is None or isinstance(value, int | str) else str(value)


urlpatterns = [path("bench/bare/loans/<int:pk>/", BareLoanView.as_view()), *product_urlpatterns]
