"""The API's login defence: the token endpoint with lockout and, for the roles that need it,
the authenticator's code (``otp``); refresh that rotates, refusing a blacklisted token or one
issued before the password changed; and logout, which blacklists the refresh token.

simplejwt's ``CHECK_REVOKE_TOKEN`` puts a digest of the password hash in every token and its
``JWTAuthentication`` refuses an access token whose digest no longer matches; refresh checks
the same here. django-axes counts the failures (its backend sees the token endpoint's
``authenticate`` call like any other) and a lockout answers 429.
"""

from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.contrib.rest_framework_simplejwt import (
    TokenObtainPairSerializerExtension,
    TokenRefreshSerializerExtension,
)
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from . import twofactor


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = gettext_lazy("Too many failed logins: this account or address is locked for a while.")
    default_code = "locked_out"


def _locked(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def username_max_length() -> int:
    """The login name's column length: a longer name is no login (and django-axes, which
    records a failed attempt's name in a shorter column than a body can hold, fails on it)."""
    user_model = get_user_model()
    field = user_model._meta.get_field(user_model.USERNAME_FIELD)
    return int(getattr(field, "max_length", None) or 150)


OTP_HELP = gettext_lazy("The authenticator's 6-digit code: required for managers and administrators.")


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    # The class keeps simplejwt's name so that the schema's component keeps its name.
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=12,
        help_text=OTP_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=username_max_length())

    def validate(self, attrs):
        request = self.context["request"]
        code = attrs.pop("otp", "")
        try:
            # The base class's check of the password, without issuing tokens yet.
            jwt_serializers.TokenObtainSerializer.validate(self, attrs)
        except AuthenticationFailed:
            if _locked(request):
                raise LockedOut() from None
            raise
        user = self.user
        assert user is not None  # the base class raised otherwise
        if twofactor.otp_required(user):
            self._check_code(request, user, code)
        refresh = RefreshToken.for_user(user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    @staticmethod
    def _check_code(request, user, code) -> None:
        if not code:
            raise serializers.ValidationError({"otp": [_("Your role needs the authenticator's code (otp).")]})
        if twofactor.confirmed_device(user) is None:
            raise serializers.ValidationError(
                {"otp": [_("No authenticator is enrolled yet: log in on the web once to enrol one.")]}
            )
        if twofactor.verify_user(user, code) is None:
            credentials = {"username": user.get_username(), "microloan_step": "otp"}
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if _locked(request):
                raise LockedOut()
            raise serializers.ValidationError({"otp": [_("Wrong or expired code.")]})


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    # Rotation with the blacklist (settings.SIMPLE_JWT), under a lock on the token's row so
    # that two refreshes with one token cannot both succeed; refused when the user is gone,
    # inactive, or changed the password after the token was issued. (A comment: the schema
    # would show a docstring.)

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user = get_user_model().objects.filter(pk=refresh.payload.get(api_settings.USER_ID_CLAIM)).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        if refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), "password_changed")
        with transaction.atomic():
            list(OutstandingToken.objects.select_for_update().filter(jti=refresh.payload.get("jti")))
            return super().validate(attrs)


class TokenObtainPairSchema(TokenObtainPairSerializerExtension):
    """The schema of the token request: simplejwt's, plus the optional ``otp``."""

    target_class = "microloan.auth_api.TokenObtainPairSerializer"

    def map_serializer(self, auto_schema, direction):
        fixed = inline_serializer(
            "Fixed",
            fields={
                "username": serializers.CharField(write_only=True, max_length=username_max_length()),
                "password": serializers.CharField(write_only=True),
                "otp": serializers.CharField(
                    required=False, allow_blank=True, write_only=True, max_length=12, help_text=OTP_HELP
                ),
                "access": serializers.CharField(read_only=True),
                "refresh": serializers.CharField(read_only=True),
            },
        )
        return auto_schema._map_serializer(fixed, direction)


class TokenRefreshSchema(TokenRefreshSerializerExtension):
    target_class = "microloan.auth_api.TokenRefreshSerializer"


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text=gettext_lazy("The refresh token to revoke."))


class LogoutView(APIView):
    """Revokes a refresh token (blacklists it): it can no longer be refreshed. The token is
    the credential, so no login is needed (the access token may have expired)."""

    permission_action = "public"
    authentication_classes: list = []

    def get_authenticate_header(self, request):
        return 'Bearer realm="api"'  # a refused token is a 401, as on the other token endpoints

    @extend_schema(
        request=LogoutSerializer,
        responses={204: None},
        summary="Log out: revoke a refresh token",
        description="Blacklists the refresh token; 401 when it is invalid, expired or already revoked.",
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
            token.blacklist()
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        user = get_user_model().objects.filter(pk=token.payload.get(api_settings.USER_ID_CLAIM)).first()
        if user is not None:
            request.microloan_logout_reason = "logout"
            user_logged_out.send(sender=user.__class__, request=request, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
