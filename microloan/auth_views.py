"""The web login: the password step, and for the roles that need it (microloan/twofactor.py)
a second step asking for the authenticator's code, or enrolling an authenticator first.

Between the two steps the session holds only who passed the password and when (for
``PENDING_SECONDS``); the login itself happens after the code, so a session is never
authenticated on the password alone. Wrong codes count as failed logins for django-axes'
lockout and are audited like wrong passwords.
"""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, user_login_failed
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from . import twofactor
from .models import User

PENDING_KEY = "microloan_otp_pending"
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """Django's login; a user who needs a second factor goes on to the code step instead of
    being logged in."""

    def form_valid(self, form):
        user = form.get_user()
        if not twofactor.otp_required(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": getattr(user, "backend", ""),
            "at": timezone.now().timestamp(),
            "next": self.get_redirect_url(),
        }
        return redirect("login-otp")


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=12)

    def clean_code(self):
        code = twofactor.clean_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("Enter the 6 digits your authenticator shows."))
        return code


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY) or {}
    if not pending or timezone.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


def _next_url(request, pending: dict) -> str:
    target = pending.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_otp(request):
    """The second step: the authenticator's code, or enrolment of one (secret and QR code)
    when the user has none confirmed yet."""
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your password first."))
        return redirect("login")
    credentials = {"username": user.username, "microloan_step": "otp"}
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.session.pop(PENDING_KEY, None)
        request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
        return render(request, "registration/login_otp.html", {"form": CodeForm()}, status=429)
    device = twofactor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = twofactor.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and twofactor.verify(device, form.cleaned_data["code"]):
        request.session.pop(PENDING_KEY, None)
        login(request, user, backend=pending.get("backend") or settings.AUTHENTICATION_BACKENDS[-1])
        otp_login(request, device)
        return redirect(_next_url(request, pending))
    status = 200
    if request.method == "POST":
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if form.is_valid():
            form.add_error("code", _("Wrong or expired code."))
        status = 400
    context = {
        "form": form,
        "enrolling": enrolling,
        "secret": twofactor.secret_text(device) if enrolling else "",
        "qr": twofactor.qr_svg(device) if enrolling else "",
    }
    return render(request, "registration/login_otp.html", context, status=status)


def lockout_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): the page in the
    reader's language, 429."""
    return render(request, "registration/locked_out.html", {"lockout_minutes": lockout_minutes()}, status=429)


@sensitive_post_parameters()
@csrf_protect
@never_cache
def password_change(request):
    """A staff member's own password, changed after a temporary one was handed over (an
    administrator's password reset or a new login: microloan.administration), audited."""
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.forms import PasswordChangeForm

    from .audit import audit_record

    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(actor=user, entity="user", entity_id=user.pk, action="change_password")
        messages.success(request, _("Your password has been changed."))
        return redirect("dashboard")
    return render(request, "registration/password_change.html", {"form": form})


from .permissions import page as _page  # noqa: E402 - the table's decorator (permissions imports models only)

password_change = _page("account")(password_change)
