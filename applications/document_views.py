"""Opening a document: the officer page's link and the API's endpoint. Both parse the request
and hand it to applications.documents.serving, which decides who may open what, writes the
audit row and builds the response."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from microloan.errors import InvalidInput, NotAllowed
from microloan.permissions import page

from .documents import serving
from .models import Document


@page("document.open")
def document_file(request, pk, doc_pk):
    """The stored file of a document, inline unless ``?disposition=attachment``."""
    return _serve(request, serving.document_open, application_pk=pk, document_pk=doc_pk)


@page("document.open")
def consent_file(request, pk, consent_pk):
    """The stored file of a borrower's signed consent, inline unless ``?disposition=attachment``."""
    return _serve(request, serving.consent_open, borrower_pk=pk, consent_pk=consent_pk)


def _serve(request, opener, **ids):
    """The page's answer for one stored file: ``opener`` (serving.document_open or
    consent_open) checks and audits; a refusal is a 403, a bad disposition a 400."""
    try:
        disposition = serving.parse_disposition(request.GET.get("disposition"), default="inline")
        obj, stored = opener(actor=request.user, via="page", disposition=disposition, **ids)
    except NotAllowed as exc:
        raise PermissionDenied(exc.reason) from None
    except InvalidInput as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    return serving.document_response(obj, stored, disposition)


class AnyAccept(BaseContentNegotiation):
    """The file goes out in its own type whatever the client accepts; errors go out as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema(
    tags=["applications"],
    parameters=[
        OpenApiParameter(
            "disposition",
            str,
            enum=list(serving.DISPOSITIONS),
            description="attachment (the default) or inline",
        )
    ],
    responses={
        **{(200, content_type): OpenApiTypes.BINARY for content_type in Document.EXTENSIONS},
        400: OpenApiResponse(description="disposition is neither attachment nor inline"),
        403: OpenApiResponse(description="the role does not open documents"),
        404: OpenApiResponse(description="no such document among the applications the user may read"),
    },
)
class DocumentFileView(APIView):
    """The stored bytes of an application's document, in their content type (an audited
    read: staff who may read the application, and its borrower)."""

    permission_action = "document.open"
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept

    def get(self, request, id, doc_id):
        disposition = serving.parse_disposition(request.query_params.get("disposition"))
        doc, stored = serving.document_open(
            actor=request.user, application_pk=id, document_pk=doc_id, via="api", disposition=disposition
        )
        return serving.document_response(doc, stored, disposition)
