"""The API's rate throttles: DRF's, counting the address ``microloan.net.client_ip`` gives
(X-Forwarded-For believed from trusted proxies only; DRF's own ``get_ident`` believes any
header a client sends, so a client inventing addresses would never be throttled) and failing
open when the cache they count in fails.

The throttle cache is Redis in production, the broker's server: when it is down, a refused
quote helps nobody, the throttle is a brake on abuse, not a gate. A cache error is logged as
a warning and the request is allowed; the other limits (django-axes' lockout, which counts in
the database) do not depend on it."""

import logging

from rest_framework import throttling

from .net import client_ip

log = logging.getLogger(__name__)


class FailOpenThrottle:
    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - whatever the cache backend raises, the request goes on
            log.warning(
                "Throttle %s allowed a request unchecked: its cache failed (%s: %s)",
                type(self).__name__,
                type(exc).__name__,
                exc,
            )
            return True


class AnonRateThrottle(FailOpenThrottle, throttling.AnonRateThrottle):
    """Per client address, for anonymous requests."""


class UserRateThrottle(FailOpenThrottle, throttling.UserRateThrottle):
    """Per user, or per client address for anonymous requests."""
