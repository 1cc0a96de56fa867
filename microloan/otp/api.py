"""The borrowers' SMS-code endpoints (anonymous): ask for a code, sign up, log in with a
code, reset the password with a code. Thin: the rules are ``services``'; the login defences
are the token endpoint's (django-axes counts a wrong code for a known login as a failed
login, a locked login answers 429; logins and failures are in the audit trail through the
same signals, ``microloan/logins.py``)."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import password_validation, user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from microloan import fields
from microloan.auth_api import LockedOut
from microloan.errors import InvalidInput
from microloan.net import client_ip

from . import services
from .models import OtpPurpose

MOBILE_HELP = gettext_lazy("The mobile number, 7 to 15 digits with an optional leading +.")


class MobileField(serializers.CharField):
    """A mobile number, normalised by ``services.mobile_clean``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", MOBILE_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return services.mobile_clean(value)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.errors["mobile"]) from None


class OtpRequestSerializer(serializers.Serializer):
    mobile = MobileField()
    purpose = serializers.ChoiceField(choices=OtpPurpose.choices)


class OtpRequestedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = fields.IntegerField(help_text=gettext_lazy("Seconds the code stays valid."))
    resend_after = fields.IntegerField(help_text=gettext_lazy("Seconds before another may be asked."))


class RateLimitedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    retry_after = fields.IntegerField()


class RegisterSerializer(serializers.Serializer):
    mobile = MobileField()
    code = serializers.CharField(max_length=12, help_text=gettext_lazy("The SMS code for purpose register."))
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})


class OtpLoginSerializer(serializers.Serializer):
    mobile = MobileField()
    code = serializers.CharField(max_length=12, help_text=gettext_lazy("The SMS code for purpose login."))


class PasswordResetSerializer(RegisterSerializer):
    code = serializers.CharField(max_length=12, help_text=gettext_lazy("The SMS code for purpose reset."))


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


def _tokens(request, user) -> dict:
    refresh = RefreshToken.for_user(user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def _password_checked(password: str, user=None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput({"password": list(exc.messages)}) from None


def _limited(exc: services.OtpRateLimited) -> Response:
    return Response(
        {"detail": exc.message, "retry_after": exc.retry_after},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


class _Anonymous(APIView):
    permission_action = "public"
    authentication_classes: list = []


class OtpRequestView(_Anonymous):
    """Sends a one-time SMS code. The answer is the same whether or not the number has a
    login."""

    @extend_schema(
        tags=["auth"],
        request=OtpRequestSerializer,
        responses={
            202: OtpRequestedSerializer,
            429: RateLimitedSerializer,
        },
        summary="Ask for an SMS code",
    )
    def post(self, request):
        s = OtpRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        try:
            sent = services.otp_request(
                mobile=s.validated_data["mobile"],
                purpose=s.validated_data["purpose"],
                client_ip=client_ip(request),
                language=get_language(),
            )
        except services.OtpRateLimited as exc:
            return _limited(exc)
        return Response(
            {
                "detail": _("If the number can receive it, a code is on its way."),
                "expires_in": sent.expires_in,
                "resend_after": sent.resend_after,
            },
            status=status.HTTP_202_ACCEPTED,
        )


class RegisterView(_Anonymous):
    """Creates a borrower login for a mobile number proven by its SMS code (purpose
    ``register``); the password meets the installation's password rules. The login then
    links to a borrower record at ``POST /api/v1/me/identity/``."""

    @extend_schema(tags=["auth"], request=RegisterSerializer, responses={201: TokenPairSerializer}, summary="Sign up")
    def post(self, request):
        from microloan.models import Role, User

        s = RegisterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        mobile = services.mobile_clean(s.validated_data["mobile"])
        password = s.validated_data["password"]
        _password_checked(password, User(username=mobile, role=Role.BORROWER))
        services.otp_verify(mobile=mobile, purpose=OtpPurpose.REGISTER, code=s.validated_data["code"])
        if services.login_for_mobile(mobile) is not None or User.objects.filter(username=mobile).exists():
            raise InvalidInput({"mobile": [_("This number already has a login: log in or reset the password.")]})
        lang = get_language() if get_language() in ("en", "zh-hans") else "zh-hans"
        try:
            with transaction.atomic():
                user = User(username=mobile, role=Role.BORROWER, language=lang)
                user.set_password(password)
                user.save()
        except IntegrityError:
            raise InvalidInput(
                {"mobile": [_("This number already has a login: log in or reset the password.")]}
            ) from None
        return Response(_tokens(request, user), status=status.HTTP_201_CREATED)


class OtpLoginView(_Anonymous):
    """Logs a borrower in with an SMS code (purpose ``login``) instead of the password."""

    @extend_schema(
        tags=["auth"],
        request=OtpLoginSerializer,
        responses={200: TokenPairSerializer, 429: OpenApiResponse(description="Locked out.")},
        summary="Log in with an SMS code",
    )
    def post(self, request):
        s = OtpLoginSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        mobile = services.mobile_clean(s.validated_data["mobile"])
        user = services.login_for_mobile(mobile)
        credentials = {"username": user.get_username() if user else mobile, "microloan_step": "sms_code"}
        if AxesProxyHandler.is_locked(request._request, credentials):
            raise LockedOut()
        try:
            services.otp_verify(mobile=mobile, purpose=OtpPurpose.LOGIN, code=s.validated_data["code"])
        except InvalidInput:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request._request)
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut() from None
            raise
        if user is None:  # a code never verifies for a number with no login; a belt and braces
            raise InvalidInput({"code": [_("Wrong or expired code.")]})
        return Response(_tokens(request, user))


class PasswordResetView(_Anonymous):
    """Sets a new password for the login of a number proven by its SMS code (purpose
    ``reset``); every token issued before stops working (the password's digest is in them)."""

    @extend_schema(
        tags=["auth"],
        request=PasswordResetSerializer,
        responses={200: TokenPairSerializer},
        summary="Reset the password",
    )
    def post(self, request):
        s = PasswordResetSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        mobile = services.mobile_clean(s.validated_data["mobile"])
        user = services.login_for_mobile(mobile)
        password = s.validated_data["password"]
        if user is not None:
            _password_checked(password, user)
        services.otp_verify(mobile=mobile, purpose=OtpPurpose.RESET, code=s.validated_data["code"])
        if user is None:
            raise InvalidInput({"code": [_("Wrong or expired code.")]})
        with transaction.atomic():
            user.set_password(password)
            user.save(update_fields=["password"])
            from microloan.audit import audit_record

            audit_record(actor=user, entity="user", entity_id=user.pk, action="password_reset", data={"by": "sms_code"})
        return Response(_tokens(request, user))
