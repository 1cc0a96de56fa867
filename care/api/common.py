"""What the customer-service API modules share: the borrower behind a login, picking the
objects the caller may see, the history, and the viewset base the staff's and the borrower's
views build on. (Choice fields, reading a body and the query parameters: microloan/api.py.)"""

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from applications.models import Borrower
from microloan.api import ScopedQueryset
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed


def my_borrower(user) -> Borrower:
    borrower = Borrower.objects.select_related("branch").filter(user=user).first()
    if borrower is None:
        raise NotAllowed(_("Your login is not linked to a borrower profile."))
    return borrower


def pick(qs, pk, field: str, message: str):
    """The object ``pk`` among those the caller may see, or a 400 naming the field."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput({field: [message]})
    return obj


class HistoryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", default=None)
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()


def exact_filters(qs, params, names):
    """Narrow ``qs`` by the query parameters among ``names`` that are given (field = value)."""
    for name in names:
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    return qs


class CareListViewSet(ScopedQueryset, mixins.ListModelMixin, viewsets.GenericViewSet):
    # The base of the customer-service viewsets: the objects come from ``selector`` (the
    # caller's branch tree, or a borrower's own), the list narrows by ``list_filters`` and
    # ``narrow``, the serializers see the business date (``dated``), and ``answer`` re-reads
    # one object after a move. (A comment, not a docstring: drf-spectacular would show it on
    # every API.)
    selector = None  # staticmethod(selectors.<name>_list): user -> the objects they may see
    list_filters: tuple[str, ...] = ()
    dated = True
    answer_serializer_class = None  # default: serializer_class

    def selected(self):
        return type(self).selector(user=self.request.user)

    def narrow(self, qs, params):
        """Filters of the list beyond ``list_filters``."""
        return qs

    def scoped_queryset(self):
        qs = self.selected()
        if self.action == "list":
            params = self.request.query_params
            qs = self.narrow(exact_filters(qs, params, self.list_filters), params)
        return qs

    def get_serializer_context(self):
        context = super().get_serializer_context()
        return {**context, "today": business_date()} if self.dated else context

    def answer(self, pk, code=status.HTTP_200_OK) -> Response:
        serializer_class = self.answer_serializer_class or self.serializer_class
        obj = self.selected().get(pk=pk)
        return Response(serializer_class(obj, context=self.get_serializer_context()).data, status=code)


class CareViewSet(mixins.RetrieveModelMixin, CareListViewSet):
    pass
