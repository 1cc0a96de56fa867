"""The allocation arithmetic: hand-worked cases and properties."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from microloan.lending.allocation import Open, allocate

D = Decimal


def test_hand_worked_partial_payment_oldest_first_penalty_fee_interest_principal():
    owed = [
        Open(1, penalty=D("3.10"), fee=D("0"), interest=D("100.00"), principal=D("788.49")),
        Open(2, penalty=D("0"), fee=D("5.00"), interest=D("92.12"), principal=D("796.37")),
    ]
    s = allocate(D("900.00"), owed)
    # instalment 1 in full (891.59), then 8.41 to instalment 2: fee 5.00, then 3.41 interest
    a1, a2 = s.allocations
    assert (a1.penalty, a1.fee, a1.interest, a1.principal) == (D("3.10"), 0, D("100.00"), D("788.49"))
    assert (a2.penalty, a2.fee, a2.interest, a2.principal) == (0, D("5.00"), D("3.41"), 0)
    assert s.unapplied == 0


def test_hand_worked_overpayment_is_returned_as_unapplied():
    s = allocate(D("1000.00"), [Open(1, interest=D("10.00"), principal=D("500.00"))])
    assert s.allocations[0].total == D("510.00") and s.unapplied == D("490.00")


def test_zero_payment_allocates_nothing():
    s = allocate(D("0.00"), [Open(1, interest=D("10.00"))])
    assert s.allocations == [] and s.unapplied == 0


cents = st.integers(min_value=0, max_value=500_000).map(lambda c: D(c) / 100)
owed_item = st.tuples(cents, cents, cents, cents)


@settings(max_examples=300, deadline=None)
@given(amount=cents, items=st.lists(owed_item, max_size=24))
def test_nothing_is_lost_and_nothing_goes_negative(amount, items):
    owed = [Open(k, *parts) for k, parts in enumerate(items)]
    s = allocate(amount, owed)
    assert sum((a.total for a in s.allocations), D(0)) + s.unapplied == amount
    assert s.unapplied >= 0
    by_key = {o.key: o for o in owed}
    for a in s.allocations:
        o = by_key[a.key]
        for part in ("penalty", "fee", "interest", "principal"):
            assert D(0) <= getattr(a, part) <= getattr(o, part)
    # unapplied only when everything owed was met
    if s.unapplied > 0:
        assert sum((o.total for o in owed), D(0)) == sum((a.total for a in s.allocations), D(0))


@settings(max_examples=300, deadline=None)
@given(amount=cents, items=st.lists(owed_item, min_size=1, max_size=12))
def test_order_is_strict(amount, items):
    """No instalment gets money while an older one is still owed, and within an instalment no
    part gets money while an earlier part is still owed."""
    owed = [Open(k, *parts) for k, parts in enumerate(items)]
    s = allocate(amount, owed)
    paid = {a.key: a for a in s.allocations}
    for o in owed:
        a = paid.get(o.key)
        got = a.total if a else D(0)
        later_paid = any(paid[k].total > 0 for k in paid if k > o.key)
        if later_paid:
            assert got == o.total
        if a:
            parts = ["penalty", "fee", "interest", "principal"]
            for j, p in enumerate(parts[1:], start=1):
                if getattr(a, p) > 0:
                    assert all(getattr(a, q) == getattr(o, q) for q in parts[:j])
