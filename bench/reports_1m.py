"""Times every report page (and its CSV export) and every staff list page on a big book:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/microloan_bench1m \
        python bench/reports_1m.py [--runs 3] [--explain]

The book is ``manage.py bench_portfolio --loans 1000000`` followed by its first close (so the
loans have their figures, classes and provisions). Each page is requested in-process through
Django's test client (the whole view, template and middleware; no network), as an auditor
(every report, every branch) and as the book's loan officer (their own lists); once to warm
the caches, then ``--runs`` times. Prints a Markdown table: median and slowest time, and the
number of queries (the same on every run). ``--explain`` prints EXPLAIN ANALYZE of the slowest
query of each page slower than 0.3 s.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.local")
os.environ.setdefault("DEBUG", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from microloan.business_date import business_date  # noqa: E402
from microloan.models import Branch, Role, User  # noqa: E402

REPORTS = [
    "report-index",
    "report-par",
    "report-classification",
    "report-flows",
    "report-officers",
    "report-turnaround",
]
CSV = ["report-par", "report-classification", "report-flows", "report-officers", "report-turnaround"]
LISTS = [
    "dashboard",
    "borrower-list",
    "application-list",
    "lead-list",
    "loan-list",
    "release-queue",
    "collection-worklist",
    "recovery-queue",
    "care-worklist",
    "approval-queue",
    "review-worklist",
    "config-change-list",
    "trial-balance",
]
EXTRA = {
    "loan-list": ["?status=active", "?page=2000"],
    "borrower-list": ["?q=借款人99999", "?page=2000"],
    "application-list": ["?page=2000"],
}


def pages(role: str) -> list[tuple[str, str]]:
    out = []
    names = (REPORTS if role == "auditor" else ["report-index", "report-par"]) + LISTS
    for name in names:
        url = reverse(name)
        out.append((name, url))
        out += [(f"{name} {q}", url + q) for q in EXTRA.get(name, [])]
    if role == "auditor":
        out += [(f"{name} csv", reverse(name) + "?format=csv") for name in CSV]
    return out


def measure(client: Client, url: str, runs: int):
    client.get(url)  # warm
    times, counts, status, slowest = [], set(), None, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        status = response.status_code
        counts.add(len(ctx.captured_queries))
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
    return statistics.median(times), max(times), counts, status, slowest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--only", default="", help="Only pages whose name contains this.")
    args = parser.parse_args()
    setup_test_environment()
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # the 403s of a role's other pages
    branch = Branch.objects.get(code="BENCH")
    auditor, _ = User.objects.get_or_create(username="bench_auditor", defaults={"role": Role.AUDITOR, "branch": branch})
    officer = User.objects.get(username="bench_officer")
    print(f"Business date {business_date()}; database {connection.settings_dict['NAME']}.")
    print()
    print("| page | as | median (s) | slowest (s) | queries | status |")
    print("|---|---|---:|---:|---:|---:|")
    slow = []
    for role, user in (("auditor", auditor), ("officer", officer)):
        client = Client()
        client.force_login(user)
        for name, url in pages(role):
            if args.only and args.only not in name:
                continue
            median, worst, counts, status, slowest = measure(client, url, args.runs)
            if status == 403:
                continue  # not this role's page
            q = "/".join(str(c) for c in sorted(counts))
            print(f"| {name} | {role} | {median:.3f} | {worst:.3f} | {q} | {status} |", flush=True)
            if median > 0.3 and slowest:
                slow.append((name, role, slowest))
    if args.explain:
        for name, role, q in slow:
            print(f"\n-- {name} ({role}): {q['time']} s\n{q['sql'][:3000]}")
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n".join(r[0] for r in cur.fetchall()))


if __name__ == "__main__":
    main()
