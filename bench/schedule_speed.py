"""Schedules per second of the lending engine, against a bare float baseline in the same run.

    python bench/schedule_speed.py                 # 7 interleaved rounds of 0.5 s each
    python bench/schedule_speed.py --rounds 11 --seconds 1

The engine: ``build_schedule`` of a 12-month annuity (5,000.00 at 18 %, a 50.00 fee, so the
APR is not the nominal rate) — the Decimal instalments, due dates and the APR by the IRR,
exactly what the quote endpoint and a disbursement compute. The baseline: the same schedule
in plain floats (the annuity formula, 12 rows of interest/principal/balance, due dates and
the IRR by 3 float Newton steps), the least any Python schedule can cost. Rounds of the two
alternate, so a machine shared with other work slows both alike; the script prints each
round and the median, by wall clock and by the process's CPU time (which other processes'
load disturbs less). Results: bench/SCHEDULE_RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from microloan.lending.schedule import build_schedule  # noqa: E402

QUOTE = {
    "principal": Decimal("5000.00"),
    "annual_rate": Decimal("0.1800"),
    "term": 12,
    "frequency": "monthly",
    "method": "annuity",
    "disbursement_date": date(2026, 1, 15),
    "fee": Decimal("50.00"),
}


def engine() -> object:
    return build_schedule(**QUOTE)


def bare_float() -> object:
    """The baseline: the same 12-row annuity and its IRR in floats, no rounding rules."""
    principal, rate, term = 5000.0, 0.18 / 12, 12
    payment = principal * rate / (1 - (1 + rate) ** -term)
    start = date(2026, 1, 15)
    balance = principal
    rows = []
    for k in range(1, term + 1):
        interest = balance * rate
        part = payment - interest
        balance -= part
        year, month0 = divmod(start.year * 12 + start.month - 1 + k, 12)
        rows.append((k, date(year, month0 + 1, start.day), part, interest, payment, balance))
    net, irr = principal - 50.0, rate
    for _ in range(3):
        npv, slope, factor = -net, 0.0, 1.0
        for k in range(1, term + 1):
            factor /= 1 + irr
            npv += payment * factor
            slope -= k * payment * factor / (1 + irr)
        irr -= npv / slope
    return rows, irr * 12


def rate(fn, seconds: float) -> tuple[float, float]:
    """Calls per second of ``fn`` over about ``seconds``: by wall clock and by CPU time."""
    batch, calls = 200, 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds:
        for _ in range(batch):
            fn()
        calls += batch
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return calls / wall, calls / max(cpu, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()

    schedule = engine()
    print(f"engine: {len(schedule.installments)} instalments, APR {schedule.apr}; load average {_load()}")
    engine_wall, engine_cpu, bare_wall, bare_cpu = [], [], [], []
    rate(engine, 0.2), rate(bare_float, 0.2)  # warm-up
    for round_ in range(1, args.rounds + 1):
        ew, ec = rate(engine, args.seconds)
        bw, bc = rate(bare_float, args.seconds)
        engine_wall.append(ew), engine_cpu.append(ec), bare_wall.append(bw), bare_cpu.append(bc)
        print(
            f"round {round_}: engine {ew:8,.0f}/s (CPU {ec:8,.0f}/s)   bare float {bw:8,.0f}/s "
            f"(CPU {bc:8,.0f}/s)   ratio {ew / bw:.3f}"
        )
    ratios = [e / b for e, b in zip(engine_wall, bare_wall, strict=True)]
    print(
        f"median: engine {statistics.median(engine_wall):,.0f} schedules/s "
        f"(CPU {statistics.median(engine_cpu):,.0f}/s, {1e6 / statistics.median(engine_cpu):.1f} µs each); "
        f"bare float {statistics.median(bare_wall):,.0f}/s (CPU {statistics.median(bare_cpu):,.0f}/s); "
        f"engine / bare {statistics.median(ratios):.3f} (rounds {min(ratios):.3f}-{max(ratios):.3f}); "
        f"load average {_load()}"
    )


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
