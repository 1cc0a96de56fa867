"""Idle timeout for staff sessions: a staff session left alone longer than
``settings.MICROLOAN_STAFF_IDLE_MINUTES`` (default 30) is logged out on its next request
(audited as a logout with reason ``idle``), and the request goes on as anonymous, so a page
sends the user to the login and the API answers 401/403.

The last activity is a timestamp in the session, set at login (microloan/logins.py) for
staff only; borrowers use JWT. It is written back at most once a minute, so a page does not
pay a session write per request.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils import timezone
from django.utils.translation import gettext as _

from .logins import LAST_ACTIVITY_KEY, is_staff_session_user

TOUCH_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        last = session.get(LAST_ACTIVITY_KEY) if session is not None else None
        if last is None and session is not None and SESSION_KEY in session:
            # A staff session opened before the timeout existed: timed from now on.
            if is_staff_session_user(request.user):
                session[LAST_ACTIVITY_KEY] = timezone.now().timestamp()
        elif last is not None:
            now = timezone.now().timestamp()
            idle = now - float(last)
            if idle > settings.MICROLOAN_STAFF_IDLE_MINUTES * 60:
                request.microloan_logout_reason = "idle"
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
            elif idle >= TOUCH_SECONDS and session is not None:
                session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """The headers a bank's security review asks of every response: a Content-Security-Policy
    without inline scripts (every script and style is a file the app serves; settings
    ``MICROLOAN_CSP``), and a Permissions-Policy that switches off the browser features the
    product does not use (``MICROLOAN_PERMISSIONS_POLICY``). A response that set its own keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = settings.MICROLOAN_CSP
        self.permissions_policy = settings.MICROLOAN_PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.csp:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
