"""The borrower's own onboarding endpoints (#13): ``POST /api/v1/me/identity/`` (link the
login to a borrower record, accept the consents), ``POST /api/v1/me/identity/photo/`` (the ID
card's photo, multipart) and the profile change ``PATCH /api/v1/me/``'s serializer. Thin:
``applications.services.onboarding`` holds the rules."""

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan.parsers import FormParser, MultiPartParser

from ..models import ConsentPurpose
from ..services import onboarding
from .serializers import BorrowerSerializer, DocumentSerializer


class IdentitySerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=18, help_text=gettext_lazy("The resident ID number (18 characters)."))
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentPurpose.choices),
        max_length=len(ConsentPurpose.choices),
        help_text=gettext_lazy("The consents accepted; data_processing is required."),
    )


class IdentityPhotoSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=gettext_lazy("The ID card's photo: JPEG, PNG or PDF.")
    )


class ProfileChangeSerializer(serializers.Serializer):
    mobile = serializers.CharField(max_length=20, required=False)
    code = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("For a new mobile: the SMS code sent to it (purpose mobile_change)."),
    )
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class IdentityView(APIView):
    """Links the signed-in borrower login to its borrower record (matched by the ID number,
    or created) and records the consents accepted in the app."""

    permission_action = "me.identity"

    @extend_schema(tags=["me"], request=IdentitySerializer, responses={201: BorrowerSerializer})
    def post(self, request):
        s = IdentitySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        borrower = onboarding.identity_link(actor=request.user, language=get_language(), **s.validated_data)
        return Response(BorrowerSerializer(borrower).data, status=status.HTTP_201_CREATED)


class IdentityPhotoView(APIView):
    """The ID card's photo, into the documents of the borrower's latest open application
    (kind ``borrower_id``), for the officer to check."""

    permission_action = "document.upload"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["me"], request={"multipart/form-data": IdentityPhotoSerializer}, responses={201: DocumentSerializer}
    )
    def post(self, request):
        s = IdentityPhotoSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = onboarding.identity_photo_upload(actor=request.user, file=s.validated_data["file"])
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)
