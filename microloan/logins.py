"""Logins, logouts, failed logins and lockouts in the audit trail, with the source address.

Django's ``user_logged_in`` / ``user_logged_out`` / ``user_login_failed`` signals and django-axes'
``user_locked_out`` arrive here from every login path (the web login and its second step, the
token endpoint, the Django admin). Each writes one ``AuditEvent`` on entity ``user``. No
password, code or clear user name is stored: a failure for a user name that matches no
account keeps only a keyed digest of it (``username_digest``), enough to see one name tried
many times.
"""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .audit import audit_record
from .net import client_ip

ENTITY = "user"
# Session key of a staff session's last activity (microloan/middleware.py reads it).
LAST_ACTIVITY_KEY = "microloan_last_activity"


def channel(request) -> str:
    """Which login path a request came by: ``api``, ``admin`` or ``web``."""
    path = getattr(request, "path", "") or ""
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/" + settings.MICROLOAN_ADMIN_PATH.lstrip("/")):
        return "admin"
    return "web"


def _where(request) -> dict:
    if request is None:
        return {"ip": "", "channel": "unknown"}
    return {"ip": client_ip(request), "channel": channel(request)}


def _account(username: str | None):
    from .models import User

    if not username:
        return None
    return User.objects.filter(username=username).only("pk").first()


def _username_digest(username: str | None) -> str:
    return salted_hmac("microloan.logins.username", username or "").hexdigest()[:16]


def is_staff_session_user(user) -> bool:
    return bool(getattr(user, "is_staff_member", False) or getattr(user, "is_superuser", False))


@receiver(user_logged_in, dispatch_uid="microloan.logins.logged_in")
def on_logged_in(sender, request, user, **kwargs) -> None:
    where = _where(request)
    audit_record(actor=user, entity=ENTITY, entity_id=user.pk, action="login", data=where)
    session = getattr(request, "session", None)
    if session is not None and where["channel"] != "api" and is_staff_session_user(user):
        session[LAST_ACTIVITY_KEY] = timezone.now().timestamp()


@receiver(user_logged_out, dispatch_uid="microloan.logins.logged_out")
def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is None or not getattr(user, "pk", None):
        return
    data = _where(request)
    data["reason"] = getattr(request, "microloan_logout_reason", "") or "logout"
    audit_record(actor=user, entity=ENTITY, entity_id=user.pk, action="logout", data=data)


@receiver(user_login_failed, dispatch_uid="microloan.logins.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = (credentials or {}).get("username")
    account = _account(username)
    data = _where(request)
    data["step"] = (credentials or {}).get("microloan_step", "password")
    if account is None:
        data["username_digest"] = _username_digest(username)
    audit_record(actor=None, entity=ENTITY, entity_id=account.pk if account else 0, action="login_failed", data=data)


@receiver(user_locked_out, dispatch_uid="microloan.logins.locked_out")
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    """django-axes says so twice: when the failure that reaches the limit locks the account or
    address out (``lockout``), and for each attempt refused while it stays locked."""
    account = _account(username)
    data = _where(request)
    data["ip"] = ip_address or data["ip"]
    failures = getattr(request, "axes_failures_since_start", None)
    data["failures"] = failures
    if account is None:
        data["username_digest"] = _username_digest(username)
    action = "lockout" if failures is not None else "login_refused_locked"
    audit_record(actor=None, entity=ENTITY, entity_id=account.pk if account else 0, action=action, data=data)
