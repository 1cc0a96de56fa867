"""The ledger by branch: every line in a branch's books, each entry balanced per branch (with
inter-branch clearing when it spans branches), day totals by branch, and the trial balance of
the branches a user sees, whose branches add up to the institution's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan.errors import InvalidInput
from microloan.ledger import (
    Acct,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerDayTotal,
    LedgerScope,
    Line,
    assert_ledger_balanced,
    journal_post,
    journal_reverse,
    ledger_rollup,
    trial_balance,
)
from microloan.models import Role

from ..factories import BranchFactory, UserFactory
from .helpers import JAN_10, JAN_15, JAN_20, D, rows_by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    """Head office HQ over branches A and B; A has a sub-branch A1."""
    hq = BranchFactory(code="HQ", name="Head office")
    a = BranchFactory(code="A", name="Branch A", parent=hq)
    a1 = BranchFactory(code="A1", name="Sub-branch A1", parent=a)
    b = BranchFactory(code="B", name="Branch B", parent=hq)
    return hq, a, a1, b


def lend(amount, branch, *, loan_id, day=JAN_10):
    return journal_post(
        kind=EntryKind.DISBURSEMENT,
        business_date=day,
        reference=f"loan:{loan_id}",
        branch_id=branch.pk if branch else None,
        lines=[Line(Acct.LOAN_PRINCIPAL, debit=D(amount), loan_id=loan_id), Line(Acct.CASH, credit=D(amount))],
    )


@pytest.fixture
def book(tree):
    hq, a, a1, b = tree
    lend("1000.00", a, loan_id=1)
    lend("200.00", a1, loan_id=2, day=JAN_20)
    lend("30.00", b, loan_id=3)
    # An institution-level posting: no branch.
    journal_post(
        kind=EntryKind.ADJUSTMENT,
        business_date=JAN_15,
        lines=[Line(Acct.CASH, debit=D("5.00")), Line(Acct.FEE_INCOME, credit=D("5.00"))],
    )
    return tree


def per_account(tb):
    return {r["code"]: (r["debit"], r["credit"]) for r in tb["rows"] if r["debit"] or r["credit"]}


def test_a_posting_puts_every_line_in_the_branch_and_its_reversal_too(tree):
    _, a, _, _ = tree
    entry = lend("100.00", a, loan_id=7)
    assert set(entry.lines.values_list("branch_id", flat=True)) == {a.pk}
    reversal = journal_reverse(entry=entry, actor=None, business_date=JAN_15)
    assert set(reversal.lines.values_list("branch_id", flat=True)) == {a.pk}


def test_a_line_may_name_its_own_branch_and_a_bad_branch_is_refused(tree):
    _, a, _, b = tree
    entry = journal_post(
        kind=EntryKind.ADJUSTMENT,
        business_date=JAN_10,
        branch_id=a.pk,
        lines=[Line(Acct.CASH, debit=D("1.00")), Line(Acct.CASH, credit=D("1.00"), branch_id=b.pk)],
    )
    assert sorted(entry.lines.values_list("account__code", "branch_id", "debit", "credit")) == sorted(
        [
            (Acct.CASH, a.pk, D("1.00"), D("0")),
            (Acct.CASH, b.pk, D("0"), D("1.00")),
            # the clearing lines: A owes B
            (Acct.INTER_BRANCH, a.pk, D("0"), D("1.00")),
            (Acct.INTER_BRANCH, b.pk, D("1.00"), D("0")),
        ]
    )
    with pytest.raises(InvalidInput) as err:
        journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, branch_id="A", lines=[])
    assert list(err.value.errors) == ["branch_id"]
    with pytest.raises(InvalidInput) as err:
        journal_post(
            kind=EntryKind.ADJUSTMENT,
            business_date=JAN_10,
            lines=[Line(Acct.CASH, debit=D("1.00"), branch_id=True), Line(Acct.FEE_INCOME, credit=D("1.00"))],
        )
    assert "branch_id must be an integer" in err.value.errors["lines"][0]


def test_an_entry_over_branches_balances_in_each_through_inter_branch_clearing(tree):
    _, a, a1, b = tree
    # Cash received at head office level for loans of A and B.
    entry = journal_post(
        kind=EntryKind.REPAYMENT,
        business_date=JAN_10,
        lines=[
            Line(Acct.CASH, debit=D("70.00")),
            Line(Acct.LOAN_PRINCIPAL, credit=D("50.00"), loan_id=1, branch_id=a.pk),
            Line(Acct.LOAN_PRINCIPAL, credit=D("20.00"), loan_id=2, branch_id=b.pk),
        ],
    )
    nets = {}
    for branch_id, debit, credit in entry.lines.values_list("branch_id", "debit", "credit"):
        nets[branch_id] = nets.get(branch_id, D("0")) + debit - credit
    assert nets == {None: D("0"), a.pk: D("0"), b.pk: D("0")}
    clearing = entry.lines.filter(account__code=Acct.INTER_BRANCH)
    assert clearing.count() == 3
    assert_ledger_balanced()
    # Over the institution the clearing account nets to zero.
    assert rows_by_code(trial_balance())[Acct.INTER_BRANCH]["balance"] == D("0")
    # A balanced entry in one branch gets no clearing line.
    assert not lend("10.00", a1, loan_id=9).lines.filter(account__code=Acct.INTER_BRANCH).exists()


@pytest.mark.unbalanced_ledger
def test_the_balance_check_finds_an_entry_unbalanced_in_one_branch(tree):
    _, a, _, b = tree
    entry = JournalEntry.objects.create(business_date=JAN_10, kind=EntryKind.ADJUSTMENT)
    JournalLine.objects.bulk_create(
        [
            JournalLine(entry=entry, account_id=_account(Acct.CASH), debit=D("1.00"), branch_id=a.pk),
            JournalLine(entry=entry, account_id=_account(Acct.FEE_INCOME), credit=D("1.00"), branch_id=b.pk),
        ]
    )
    with pytest.raises(AssertionError, match="unbalanced in a branch"):
        assert_ledger_balanced()


def _account(code):
    from microloan.ledger import Account

    return Account.objects.get(code=code).pk


def test_the_branches_add_up_to_the_institution(book):
    hq, a, a1, b = book
    whole = trial_balance()
    assert whole["total_debit"] == D("1235.00") and whole["balanced"]
    parts = [trial_balance(scope=LedgerScope(user=UserFactory(branch=x))) for x in (a1, b)]
    only_a = trial_balance(scope=LedgerScope(user=UserFactory(branch=hq), branch=a))
    by_branch = {x["id"]: x for x in whole["branches"]}
    assert set(by_branch) == {None, a.pk, a1.pk, b.pk} and all(x["balanced"] for x in whole["branches"])
    assert sum(x["debit"] for x in whole["branches"]) == whole["total_debit"]
    # A's tree (A and A1) + B + the institution level = the whole, account by account.
    summed: dict[str, list] = {}
    for tb in (only_a, parts[1]):
        for code, (d, c) in per_account(tb).items():
            s = summed.setdefault(code, [D("0"), D("0")])
            s[0] += d
            s[1] += c
    summed[Acct.CASH][0] += D("5.00")
    summed[Acct.FEE_INCOME] = [D("0"), D("5.00")]
    assert {k: tuple(v) for k, v in summed.items()} == per_account(whole)
    assert parts[0]["total_debit"] == D("200.00") and only_a["total_debit"] == D("1200.00")


def test_staff_see_their_branch_tree_and_head_office_sees_all(book):
    hq, a, a1, b = book
    officer_a = UserFactory(role=Role.MANAGER, branch=a)
    officer_b = UserFactory(role=Role.MANAGER, branch=b)
    head = UserFactory(role=Role.AUDITOR, branch=hq)
    superuser = UserFactory(role=Role.ADMIN, branch=None, is_superuser=True)
    nobody = UserFactory(role=Role.AUDITOR, branch=None)
    assert trial_balance(scope=LedgerScope(user=officer_a))["total_debit"] == D("1200.00")
    assert trial_balance(scope=LedgerScope(user=officer_b))["total_debit"] == D("30.00")
    assert [x["code"] for x in trial_balance(scope=LedgerScope(user=officer_b))["branches"]] == ["B"]
    # Head office (the root branch) and a superuser without a branch: everything, the
    # institution-level lines included; filtered to a branch, that branch's tree only.
    for user in (head, superuser):
        assert trial_balance(scope=LedgerScope(user=user))["total_debit"] == D("1235.00")
        assert trial_balance(scope=LedgerScope(user=user, branch=b))["total_debit"] == D("30.00")
    assert trial_balance(scope=LedgerScope(user=nobody))["total_debit"] == D("0")
    # As of a date, by branch.
    assert trial_balance(as_of=JAN_15, scope=LedgerScope(user=officer_a))["total_debit"] == D("1000.00")


def test_the_day_totals_are_kept_by_branch_and_the_trial_balance_reads_the_same(book):
    hq, a, a1, b = book
    users = [UserFactory(branch=x) for x in (hq, a, a1, b)]
    before = [trial_balance(scope=LedgerScope(user=u)) for u in users]
    assert ledger_rollup() > 0
    assert set(LedgerDayTotal.objects.values_list("branch_id", flat=True)) == {None, a.pk, a1.pk, b.pk}
    assert LedgerDayTotal.objects.filter(branch=None).count() == 2  # cash and fee income on JAN_15
    lend("1.00", b, loan_id=3, day=JAN_15)  # a line after the watermark
    ledger_rollup()
    assert LedgerDayTotal.objects.filter(branch=b, account__code=Acct.CASH, business_date=JAN_15).count() == 1
    after = [trial_balance(scope=LedgerScope(user=u)) for u in users]
    grew = [D("1.00"), D("0"), D("0"), D("1.00")]  # head office and B see B's new line
    assert [x["total_debit"] for x in after] == [x["total_debit"] + d for x, d in zip(before, grew, strict=True)]
    with CaptureQueriesContext(connection) as queries:
        trial_balance(scope=LedgerScope(user=users[1], branch=a1))
    assert len(queries) == 2


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_the_page_shows_staff_their_branches_and_filters_within_them(client, book):
    hq, a, a1, b = book
    client.force_login(UserFactory(role=Role.MANAGER, branch=a))
    r = client.get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert r.status_code == 200 and 'id="total-debit">1,200.00<' in html
    assert "Sub-branch A1" in html and "Branch B" not in html
    r = client.get(f"/ledger/trial-balance/?branch={a1.pk}", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["tb"]["total_debit"] == D("200.00")
    for bad in (str(b.pk), str(hq.pk), "abc", "١", "99999999999999999999999"):
        assert client.get("/ledger/trial-balance/", {"branch": bad}).status_code == 404, bad
    client.force_login(UserFactory(role=Role.AUDITOR, branch=hq))
    r = client.get(f"/ledger/trial-balance/?branch={b.pk}&date=2026-01-31", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["tb"]["total_debit"] == D("30.00")
    r = client.get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.context["tb"]["total_debit"] == D("1235.00") and "Institution level" in r.content.decode()


def test_the_institution_level_is_for_the_tree_that_holds_every_branch(book):
    hq, a, a1, b = book
    head = UserFactory(role=Role.AUDITOR, branch=hq)
    assert trial_balance(scope=LedgerScope(user=head))["total_debit"] == D("1235.00")
    # a second root: HQ's tree is no longer the whole institution
    BranchFactory(code="R2", name="Another root")
    tb = trial_balance(scope=LedgerScope(user=head))
    assert tb["total_debit"] == D("1230.00") and None not in [x["id"] for x in tb["branches"]]
