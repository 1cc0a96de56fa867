"""gunicorn's settings for the product (``gunicorn -c gunicorn.conf.py microloan.wsgi``).

No server banner: gunicorn names itself in a ``Server`` header on every response, which tells
a scanner what to try; the product's responses carry none."""

import os

from gunicorn.http import wsgi

bind = "0.0.0.0:8000"
workers = 3
# Access logs (stdout; GUNICORN_ACCESS_LOG="" switches them off, as the benchmark does) carry
# the path without the query string, which may hold personal data.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'

_default_headers = wsgi.Response.default_headers


def _headers_without_server(self):
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


wsgi.Response.default_headers = _headers_without_server
