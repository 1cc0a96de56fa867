"""A loan's documents as PDF: repayment receipts and statements."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from microloan import fields
from microloan.errors import InvalidInput


def _language(request, default: str) -> str:
    lang = request.query_params.get("language") or default
    if lang not in ("zh-hans", "en"):
        raise InvalidInput({"language": ["Choose zh-hans or en."]})
    return lang


class LoanDocumentsMixin:
    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"repayments/(?P<repayment_id>\d+)/receipt")
    def receipt(self, request, pk=None, repayment_id=None):
        """The repayment receipt as PDF (?language=zh-hans|en)."""
        from django.http import HttpResponse

        from ..documents import receipt_pdf

        loan = self.get_object()
        r = (
            loan.repayments.select_related("loan__borrower", "loan__contract", "posted_by")
            .filter(pk=repayment_id)
            .first()
        )
        if r is None:
            raise Http404
        pdf = receipt_pdf(repayment=r, language=_language(request, loan.borrower.language))
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{r.receipt_number}.pdf"'},
        )

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def statement(self, request, pk=None):
        """The loan statement as PDF for ?from=&to= (default: disbursement to the business date)."""
        from django.http import HttpResponse

        from microloan.business_date import business_date

        from ..documents import statement_pdf

        loan = self.get_object()
        f = fields.DateField()
        try:
            start = (
                f.to_internal_value(request.query_params["from"])
                if "from" in request.query_params
                else loan.disbursed_on
            )
            end = (
                f.to_internal_value(request.query_params["to"])
                if "to" in request.query_params
                else max(business_date(), loan.disbursed_on)
            )
        except serializers.ValidationError as exc:
            raise InvalidInput({"from": exc.detail}) from None
        if start > end:
            raise InvalidInput({"from": ["The period starts after it ends."]})
        pdf = statement_pdf(loan=loan, start=start, end=end, language=_language(request, loan.borrower.language))
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="statement-{loan.pk}.pdf"'},
        )
