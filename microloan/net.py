"""The client's address, the one home for it: the login lockout (django-axes), the audit
trail's source address and the API throttles all ask ``client_ip``.

``X-Forwarded-For`` is believed only when the request comes from a proxy named in
``settings.MICROLOAN_TRUSTED_PROXIES`` (addresses or networks, e.g. ``10.0.0.5`` or
``10.0.0.0/24``); then the address is the right-most one in the header that is not itself a
trusted proxy. Anything a client writes into the header otherwise is ignored, so nobody
dodges a per-address limit by inventing addresses.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request) -> str:
    """The address the request came from; "" when the server cannot tell (a test's bare
    request)."""
    meta = request.META
    remote = _parse(meta.get("REMOTE_ADDR") or "")
    if remote is None:
        return ""
    networks = _networks(tuple(getattr(settings, "MICROLOAN_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _trusted(remote, networks):
        return str(remote)
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            # A proxy we trust appended garbage, or the client's part is garbage: stop at the
            # last address we could vouch for.
            break
        if not _trusted(address, networks):
            return str(address)
        remote = address
    return str(remote)
