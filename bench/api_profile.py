"""In-process view of the API benchmark's endpoints (bench/api.sh): SQL statements and mean
time per request through the project's WSGI application (the whole middleware stack and the
request signals, as under gunicorn, without HTTP), and with ``--profile`` a cProfile of one
endpoint.

    python bench/api_profile.py --password demo12345                     # queries and ms, every endpoint
    python bench/api_profile.py --password demo12345 --profile schedule  # + cProfile of one of them

Run with the same environment as the server (bench/api.sh does: production settings, the
benchmark database).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.production")

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402

QUOTE = {
    "principal": "5000.00",
    "annual_rate": "0.1800",
    "term": 12,
    "frequency": "monthly",
    "method": "annuity",
    "disbursement_date": "2026-01-15",
    "fee": "0.00",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--password", required=True)
    parser.add_argument("--requests", type=int, default=300, help="Requests per endpoint for the mean time.")
    parser.add_argument(
        "--profile", default="", help="Endpoint name to profile (healthz, loans, loan, schedule, quote, products)."
    )
    args = parser.parse_args()

    application = get_wsgi_application()
    factory = RequestFactory(SERVER_NAME="127.0.0.1")

    def request(method, path, **kwargs):
        """One request through the WSGI application, as gunicorn makes it; returns (status, body).
        secure=True: as behind the TLS proxy, so the production HTTPS redirect stays out of it."""
        environ = getattr(factory, method)(path, secure=True, **kwargs).environ
        status = []
        chunks = application(environ, lambda s, headers, exc_info=None: status.append(s))
        try:
            body = b"".join(chunks)
        finally:
            chunks.close()  # request_finished: what gunicorn does after each response
        return int(status[0].split()[0]), body

    code, body = request(
        "post",
        "/api/v1/auth/token/",
        data={"username": "borrower", "password": args.password},
        content_type="application/json",
    )
    assert code == 200, body
    auth = {"Authorization": f"Bearer {json.loads(body)['access']}"}
    loan_id = json.loads(request("get", "/api/v1/loans/", headers=auth)[1])["results"][0]["id"]
    quote = json.dumps(QUOTE)
    endpoints = {
        "healthz": lambda: request("get", "/healthz"),
        "loans": lambda: request("get", "/api/v1/loans/", headers=auth),
        "loan": lambda: request("get", f"/api/v1/loans/{loan_id}/", headers=auth),
        "schedule": lambda: request("get", f"/api/v1/loans/{loan_id}/schedule/", headers=auth),
        "quote": lambda: request("post", "/api/v1/quotes/", data=quote, content_type="application/json"),
        "products": lambda: request("get", "/api/v1/products/", headers=auth),
    }
    print(f"{'endpoint':<10} {'queries':>7} {'ms/request':>10}  statements")
    for name, call in endpoints.items():
        for _ in range(20):
            code, body = call()
        assert code == 200, (name, code, body[:300])
        # An execute wrapper, not CaptureQueriesContext: each request resets connection.queries.
        statements = []

        def record(execute, sql, *rest, statements=statements):
            statements.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(record):
            call()
        started = time.perf_counter()
        for _ in range(args.requests):
            call()
        ms = (time.perf_counter() - started) * 1000 / args.requests
        shapes = " | ".join(" ".join(sql.split())[:100] for sql in statements)
        print(f"{name:<10} {len(statements):>7} {ms:>10.2f}  {shapes}")

    if args.profile:
        call = endpoints[args.profile]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.requests):
            call()
        prof.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(30)
            print(f"\n== cProfile of {args.profile}, {args.requests} requests, by {order}")
            print(out.getvalue())


if __name__ == "__main__":
    main()
