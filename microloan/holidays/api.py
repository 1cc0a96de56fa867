"""``/api/v1/holidays/``: the holiday calendar. Every staff member reads it; an administrator's
POST (honouring an Idempotency-Key), PATCH, PUT or DELETE is a proposal (a configuration
change, 202 with it) that another administrator applies at
``/api/v1/config-changes/{id}/apply/``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from .. import fields
from ..api import ScopedQueryset, code_field
from ..config import services as config_services
from ..config.api import ConfigChangeOut
from ..config.models import ConfigOperation
from ..errors import InvalidInput
from ..idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from . import selectors
from .models import Holiday, HolidayKind


class HolidayOut(fields.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "kind", "name", "region"]


class HolidayIn(serializers.Serializer):
    date = fields.DateField()
    kind = code_field(HolidayKind.choices)
    name = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class HolidayPatchIn(HolidayIn):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False
        self.fields["region"].default = serializers.empty
        self.fields["comment"].default = ""


class HolidayDeleteIn(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


YEAR = OpenApiParameter("year", int, description="Only this year's days.")
REGION = OpenApiParameter("region", str, description="Only this region's days (empty: the nationwide days).")


@extend_schema(tags=["configuration"])
class HolidayViewSet(
    ScopedQueryset,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Public holidays and make-up working days (调休), by date. A write proposes a change that
    another administrator applies (four eyes); the calendar changes then."""

    permissions = {
        "list": "holiday.view",
        "retrieve": "holiday.view",
        "create": "config_change.propose",
        "partial_update": "config_change.propose",
        "update": "config_change.propose",
        "destroy": "config_change.propose",
    }
    serializer_class = HolidayOut
    queryset = Holiday.objects.none()

    def scoped_queryset(self):
        year = self.request.query_params.get("year")
        if year is not None and not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2200):
            raise InvalidInput({"year": ["A year from 2000 to 2200."]})
        return selectors.holiday_list(
            user=self.request.user, year=int(year) if year else None, region=self.request.query_params.get("region")
        )

    def _propose(self, *, operation, target_id=None, payload=None, comment=""):
        change = config_services.config_change_propose(
            actor=self.request.user,
            kind="holiday",
            operation=operation,
            target_id=target_id,
            payload=payload,
            comment=comment,
        )
        return Response(
            ConfigChangeOut(change, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(parameters=[YEAR, REGION])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=HolidayIn, responses={202: ConfigChangeOut}, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Propose a new calendar day (400 naming the field; a second administrator applies it)."""
        s = HolidayIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        comment = data.pop("comment")
        return self._propose(operation=ConfigOperation.CREATE, payload=data, comment=comment)

    @extend_schema(request=HolidayPatchIn, responses={202: ConfigChangeOut})
    def partial_update(self, request, *args, **kwargs):
        """Propose a change of the day's fields."""
        obj = self.get_object()
        s = HolidayPatchIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        comment = data.pop("comment", "")
        return self._propose(operation=ConfigOperation.UPDATE, target_id=obj.pk, payload=data, comment=comment)

    @extend_schema(request=HolidayIn, responses={202: ConfigChangeOut})
    def update(self, request, *args, **kwargs):
        """Propose the day's fields all at once."""
        obj = self.get_object()
        s = HolidayIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        comment = data.pop("comment")
        return self._propose(operation=ConfigOperation.UPDATE, target_id=obj.pk, payload=data, comment=comment)

    @extend_schema(request=None, responses={202: ConfigChangeOut})
    def destroy(self, request, *args, **kwargs):
        """Propose deleting the day."""
        obj = self.get_object()
        return self._propose(operation=ConfigOperation.DELETE, target_id=obj.pk)
