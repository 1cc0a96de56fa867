"""Open-loop write load: ``--rate`` repayments a second, each on a loan of its own, for
``--duration`` seconds, against a running server (bench/write_load.sh starts one).

    python bench/write_load.py --base http://127.0.0.1:8112 --token <JWT> --first-loan 1 \
        --rate 100 --duration 60 --out /tmp/write-load.jsonl

Request i is due at start + i / rate whatever the server does (open loop), and its latency is
counted from that moment: a server that falls behind shows it in the latency, not in a lower
offered rate. ``--connections`` threads send them (one HTTP/1.1 request each: gunicorn's sync
workers close the connection). Each POSTs ``--amount`` to /api/v1/loans/<id>/repayments/ with
an Idempotency-Key, on loan ids first-loan, first-loan + 1, ... Writes one JSON line per
request (loan, status, latency) and prints the achieved rate and latency percentiles.
"""

import argparse
import http.client
import json
import queue
import statistics
import threading
import time
import uuid
from urllib.parse import urlsplit


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))
    return values[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--first-loan", type=int, required=True)
    ap.add_argument("--rate", type=float, default=100)
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--amount", default="100.00")
    ap.add_argument("--paid-on", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    url = urlsplit(args.base)
    total = int(args.rate * args.duration)
    jobs: queue.Queue = queue.Queue()
    results: list[dict] = []
    lock = threading.Lock()
    start = time.monotonic() + 0.5

    def send(i: int) -> dict:
        loan = args.first_loan + i
        body = json.dumps({"amount": args.amount, "paid_on": args.paid_on, "channel": "cash", "reference": f"LOAD-{i}"})
        headers = {
            "Authorization": f"Bearer {args.token}",
            "Content-Type": "application/json",
            "X-Forwarded-Proto": "https",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        try:
            sent = time.monotonic()
            conn.request("POST", f"/api/v1/loans/{loan}/repayments/", body=body, headers=headers)
            response = conn.getresponse()
            text = response.read()
            status = response.status
        except OSError as exc:
            status, text, sent = 0, str(exc).encode(), time.monotonic()
        finally:
            conn.close()
        done = time.monotonic()
        row = {"i": i, "loan": loan, "status": status, "service": done - sent}
        if status != 201:
            row["body"] = text[:300].decode("utf-8", "replace")
        return row

    def worker() -> None:
        while True:
            i = jobs.get()
            if i is None:
                return
            due = start + i / args.rate
            row = send(i)
            row["latency"] = time.monotonic() - due
            with lock:
                results.append(row)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.connections)]
    for t in threads:
        t.start()
    for i in range(total):
        delay = start + i / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        jobs.put(i)
    for _ in threads:
        jobs.put(None)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    with open(args.out, "w") as out:
        for row in sorted(results, key=lambda r: r["i"]):
            out.write(json.dumps(row) + "\n")
    ok = [r for r in results if r["status"] == 201]
    lat = [r["latency"] * 1000 for r in ok]
    svc = [r["service"] * 1000 for r in ok]
    print(
        json.dumps(
            {
                "offered_per_s": args.rate,
                "sent": total,
                "created_201": len(ok),
                "errors": len(results) - len(ok),
                "statuses": sorted({r["status"] for r in results}),
                "elapsed_s": round(elapsed, 1),
                "achieved_per_s": round(len(ok) / elapsed, 1),
                "latency_ms": {
                    "p50": round(percentile(lat, 50), 1),
                    "p90": round(percentile(lat, 90), 1),
                    "p99": round(percentile(lat, 99), 1),
                    "max": round(max(lat, default=float("nan")), 1),
                    "mean": round(statistics.fmean(lat), 1) if lat else None,
                },
                "service_ms": {"p50": round(percentile(svc, 50), 1), "p99": round(percentile(svc, 99), 1)},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
