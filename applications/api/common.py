"""What the intake API's views share: the application as every transition answers it, the
staff-only check, the product named by an input."""

from rest_framework import status
from rest_framework.response import Response

from microloan.errors import InvalidInput

from .. import selectors
from ..models import Product
from .serializers import ApplicationSerializer


def application_response(view, app, extra: dict | None = None, code=status.HTTP_200_OK) -> Response:
    """The application as every transition answers it (re-read with the viewer's scope, so the
    response shows the new status, documents and history), plus any ``extra`` fields."""
    app = selectors.application_list(user=view.request.user).get(pk=app.pk)
    data = ApplicationSerializer(app, context=view.get_serializer_context()).data
    return Response({**data, **(extra or {})}, status=code)


def product_for(user, pk) -> Product:
    product = selectors.product_list(user=user).filter(pk=pk).first()
    if product is None:
        raise InvalidInput({"product": ["No such product."]})
    return product
