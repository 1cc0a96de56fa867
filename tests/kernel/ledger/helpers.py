"""Shared by the ledger tests: a disbursement posting, the trial balance by code, the totals
read the slow way, and a strategy of random balanced postings."""

from datetime import date
from decimal import Decimal

from django.db.models import Sum
from hypothesis import strategies as st

from microloan.ledger import CHART, AccountType, Acct, EntryKind, JournalLine, Line, journal_post, trial_balance

D = Decimal
JAN_10, JAN_15, JAN_20 = date(2026, 1, 10), date(2026, 1, 15), date(2026, 1, 20)


def disburse(amount="1000.00", *, loan_id=1, day=JAN_10, source_key=None, actor=None):
    return journal_post(
        kind=EntryKind.DISBURSEMENT,
        business_date=day,
        reference=f"loan:{loan_id}",
        source_key=source_key,
        actor=actor,
        lines=[Line(Acct.LOAN_PRINCIPAL, debit=D(amount), loan_id=loan_id), Line(Acct.CASH, credit=D(amount))],
    )


def rows_by_code(tb):
    return {r["code"]: r for r in tb["rows"]}


def journal_totals(as_of=None):
    """The trial balance's totals the slow way: straight from every journal line."""
    qs = JournalLine.objects.all()
    if as_of is not None:
        qs = qs.filter(entry__business_date__lte=as_of)
    sums = qs.values("account__code").annotate(d=Sum("debit"), c=Sum("credit"))
    return {row["account__code"]: (row["d"], row["c"]) for row in sums}


def tb_totals(as_of=None):
    return {
        r["code"]: (r["debit"], r["credit"]) for r in trial_balance(as_of=as_of)["rows"] if r["debit"] or r["credit"]
    }


# On-balance accounts only: memo (off-balance) lines balance among themselves (journal_post).
codes = st.sampled_from(sorted(spec.code for spec in CHART if spec.type != AccountType.MEMO))


@st.composite
def balanced_posting(draw) -> tuple[list[Line], int]:
    """Random debit lines, and credit lines that split the same total at random points."""
    debits = draw(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=4))
    total = sum(debits)
    cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=total), max_size=3)))
    credits = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    cents = lambda n: D(n).scaleb(-2)  # noqa: E731
    lines = [Line(draw(codes), debit=cents(n), loan_id=draw(st.none() | st.integers(1, 5))) for n in debits]
    lines += [Line(draw(codes), credit=cents(n)) for n in credits]
    return draw(st.permutations(lines)), total


def post_across(codes):
    """One entry per consecutive pair of accounts, 10.00 each."""
    for a, b in zip(codes, codes[1:], strict=False):
        journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=[(a, D("10.00"), 0), (b, 0, D("10.00"))])
