"""microloan/net.py: the client address believes X-Forwarded-For only from a trusted proxy."""

from django.test import RequestFactory

from microloan.net import client_ip

rf = RequestFactory()


def _request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **meta)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.MICROLOAN_TRUSTED_PROXIES = []
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_a_request_from_an_untrusted_address_cannot_claim_another(settings):
    settings.MICROLOAN_TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("203.0.113.9", "1.2.3.4")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts(settings):
    settings.MICROLOAN_TRUSTED_PROXIES = ["10.0.0.0/24"]
    # The client wrote "1.2.3.4" itself; the proxy appended the address it saw.
    assert client_ip(_request("10.0.0.5", "1.2.3.4, 198.51.100.7")) == "198.51.100.7"
    assert client_ip(_request("10.0.0.5", "198.51.100.7, 10.0.0.9")) == "198.51.100.7"


def test_garbage_in_the_header_stops_at_the_last_address_vouched_for(settings):
    settings.MICROLOAN_TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("10.0.0.5", "not-an-ip")) == "10.0.0.5"
    assert client_ip(_request("10.0.0.5")) == "10.0.0.5"


def test_no_address_at_all_is_empty():
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) == ""
