"""The general ledger: balanced, append-only, idempotent postings and a trial balance that balances."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.db.utils import InternalError
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.errors import InvalidInput
from microloan.ledger import (
    CHART,
    CHART_CODES,
    Account,
    AccountType,
    Acct,
    EntryKind,
    JournalEntry,
    JournalLine,
    LedgerDayTotal,
    LedgerRollup,
    Line,
    Side,
    assert_ledger_balanced,
    balances_by_loan,
    ensure_chart,
    journal_post,
    journal_reverse,
    ledger_rollup,
    trial_balance,
)
from microloan.models import Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
JAN_10, JAN_15, JAN_20 = date(2026, 1, 10), date(2026, 1, 15), date(2026, 1, 20)


@pytest.fixture(autouse=True)
def chart(db):
    ensure_chart()


def disburse(amount="1000.00", *, loan_id=1, day=JAN_10, source_key=None, actor=None):
    return journal_post(kind=EntryKind.DISBURSEMENT, business_date=day, reference=f"loan:{loan_id}",
                        source_key=source_key, actor=actor,
                        lines=[Line(Acct.LOAN_PRINCIPAL, debit=D(amount), loan_id=loan_id),
                               Line(Acct.CASH, credit=D(amount))])


def rows_by_code(tb):
    return {r["code"]: r for r in tb["rows"]}


# --- chart -------------------------------------------------------------------------------------


def test_the_chart_exists_with_its_normal_sides_and_is_idempotent():
    # given the chart made by the fixture
    accounts = {a.code: a for a in Account.objects.all()}
    # then every code constant is an account of the chart
    codes = {v for k, v in vars(Acct).items() if k.isupper()}
    assert codes == CHART_CODES == set(accounts)
    assert accounts[Acct.LOAN_PRINCIPAL].name == "贷款本金"
    assert accounts[Acct.LOAN_PRINCIPAL].normal_side == Side.DEBIT
    # the provision is a contra-asset: an asset account with a credit balance
    provision = accounts[Acct.LOAN_LOSS_PROVISION]
    assert (provision.type, provision.normal_side) == (AccountType.ASSET, Side.CREDIT)
    assert accounts[Acct.BORROWER_CREDIT].normal_side == Side.CREDIT
    assert accounts[Acct.INTEREST_INCOME].normal_side == Side.CREDIT
    assert accounts[Acct.PROVISION_EXPENSE].normal_side == Side.DEBIT
    # when it runs again, nothing changes; a renamed account is put back
    assert ensure_chart() == {"created": [], "updated": []}
    Account.objects.filter(code=Acct.CASH).update(name="x")
    assert ensure_chart() == {"created": [], "updated": [Acct.CASH]}
    assert Account.objects.count() == len(CHART)


def test_ledger_accounts_command_is_idempotent(capsys):
    Account.objects.filter(code=Acct.FEE_INCOME).update(name_en="old")
    call_command("ledger_accounts")
    call_command("ledger_accounts")
    out = capsys.readouterr().out
    assert "1 updated" in out and "0 created, 0 updated" in out
    assert Account.objects.get(code=Acct.FEE_INCOME).name_en == "Fee income"


# --- posting -----------------------------------------------------------------------------------


def test_balanced_postings_show_in_the_trial_balance_with_hand_computed_numbers():
    actor = UserFactory(role=Role.OFFICER)
    # given a disbursement of 10,000.00 with a 100.00 fee deducted, an accrual, a repayment
    # and a provision
    disb = journal_post(kind=EntryKind.DISBURSEMENT, business_date=JAN_10, reference="loan:1", actor=actor,
                        lines=[(Acct.LOAN_PRINCIPAL, D("10000.00"), 0, 1), (Acct.CASH, 0, D("9900.00")),
                               (Acct.FEE_INCOME, 0, D("100.00"))])
    journal_post(kind=EntryKind.ACCRUAL, business_date=JAN_15, reference="loan:1",
                 lines=[Line(Acct.INTEREST_RECEIVABLE, debit=D("150.00"), loan_id=1),
                        Line(Acct.INTEREST_INCOME, credit=D("150.00"))])
    journal_post(kind=EntryKind.REPAYMENT, business_date=JAN_20, reference="loan:1",
                 lines=[Line(Acct.CASH, debit=D("1000.00")),
                        Line(Acct.INTEREST_RECEIVABLE, credit=D("150.00"), loan_id=1),
                        Line(Acct.LOAN_PRINCIPAL, credit=D("850.00"), loan_id=1),
                        Line(Acct.PENALTY_RECEIVABLE, credit=D("0.00"), loan_id=1)])  # zero: dropped
    journal_post(kind=EntryKind.PROVISION, business_date=JAN_20,
                 lines=[Line(Acct.PROVISION_EXPENSE, debit=D("91.50")),
                        Line(Acct.LOAN_LOSS_PROVISION, credit=D("91.50"))])

    # when
    tb = trial_balance()

    # then
    assert disb.created_by == actor and disb.lines.count() == 3
    assert JournalLine.objects.count() == 3 + 2 + 3 + 2
    rows = rows_by_code(tb)
    assert tb["total_debit"] == tb["total_credit"] == D("11241.50")
    assert tb["total_debit_balance"] == tb["total_credit_balance"] == D("9241.50")
    assert tb["balanced"] is True
    assert (rows[Acct.CASH]["debit"], rows[Acct.CASH]["credit"]) == (D("1000.00"), D("9900.00"))
    assert rows[Acct.CASH]["balance"] == D("-8900.00") and rows[Acct.CASH]["credit_balance"] == D("8900.00")
    assert rows[Acct.LOAN_PRINCIPAL]["balance"] == rows[Acct.LOAN_PRINCIPAL]["debit_balance"] == D("9150.00")
    assert rows[Acct.INTEREST_RECEIVABLE]["balance"] == D("0.00")
    assert rows[Acct.INTEREST_INCOME]["balance"] == D("150.00")
    assert rows[Acct.FEE_INCOME]["balance"] == D("100.00")
    assert rows[Acct.PROVISION_EXPENSE]["balance"] == D("91.50")
    assert rows[Acct.LOAN_LOSS_PROVISION]["balance"] == rows[Acct.LOAN_LOSS_PROVISION]["credit_balance"] == D("91.50")
    assert rows[Acct.RECOVERY_INCOME]["debit"] == rows[Acct.RECOVERY_INCOME]["credit"] == D("0.00")
    # and the loan sub-ledger agrees
    assert balances_by_loan(loan_ids=[1, 2], account_codes=[Acct.LOAN_PRINCIPAL, Acct.INTEREST_RECEIVABLE]) == {
        1: {Acct.LOAN_PRINCIPAL: D("9150.00"), Acct.INTEREST_RECEIVABLE: D("0.00")},
        2: {Acct.LOAN_PRINCIPAL: D("0.00"), Acct.INTEREST_RECEIVABLE: D("0.00")},
    }
    assert balances_by_loan(loan_ids=[1], account_codes=[Acct.LOAN_PRINCIPAL], as_of=JAN_15) == {
        1: {Acct.LOAN_PRINCIPAL: D("10000.00")}}
    assert_ledger_balanced()


@pytest.mark.parametrize("lines, reason", [
    ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("90.00"))], "do not equal"),
    ([(Acct.CASH, D("-100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("-100.00"))], "negative"),
    ([(Acct.CASH, D("100.005"), 0), (Acct.LOAN_PRINCIPAL, 0, D("100.005"))], "two decimal places"),
    ([(Acct.CASH, D("100.00"), D("50.00")), (Acct.LOAN_PRINCIPAL, 0, D("50.00"))], "both a debit and a credit"),
    ([("9999", D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("100.00"))], "Unknown account 9999"),
    ([(Acct.CASH, D("100.00"), 0)], "at least two"),
    ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("0.00"))], "at least two"),
    ([(Acct.CASH, D("100.00"), 0), (Acct.LOAN_PRINCIPAL, D("100.00"), 0)], "do not equal"),
    ([(Acct.CASH, 100.0, 0), (Acct.LOAN_PRINCIPAL, 0, 100.0)], "not a decimal amount"),
    ([(Acct.CASH, "abc", 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "not a decimal amount"),
    ([(Acct.CASH, D("NaN"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "not a finite amount"),
    ([(Acct.CASH, D("1E+16"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1E+16"))], "too large"),
    ([("", D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "account code is missing"),
    ([(Acct.CASH, D("1.00"), 0, "loan-1"), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "loan_id must be an integer"),
    ([(Acct.CASH, D("1.00"), 0, None, "extra"), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))], "expected (account"),
], ids=["unbalanced", "negative", "three-decimals", "both-sides", "unknown-account", "single-line",
        "single-non-zero-line", "debits-only", "float", "not-a-number", "nan", "too-large", "no-account",
        "bad-loan-id", "bad-shape"])
def test_bad_postings_are_refused_naming_lines_and_write_nothing(lines, reason):
    with pytest.raises(InvalidInput) as err:
        journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=lines, source_key="k:1")
    assert list(err.value.errors) == ["lines"]
    assert any(reason in msg for msg in err.value.errors["lines"]), err.value.errors
    assert JournalEntry.objects.count() == 0 and JournalLine.objects.count() == 0


def test_bad_kind_date_and_key_are_named():
    lines = [(Acct.CASH, D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))]
    with pytest.raises(InvalidInput) as err:
        journal_post(kind="gift", business_date="2026-01-10", lines=lines, source_key="x" * 201)
    assert set(err.value.errors) == {"kind", "business_date", "source_key"}
    assert JournalEntry.objects.count() == 0


def test_all_zero_lines_post_nothing_and_return_none():
    assert journal_post(kind=EntryKind.ACCRUAL, business_date=JAN_10, source_key="accrual:1:2026-01-10",
                        lines=[(Acct.INTEREST_RECEIVABLE, D("0.00"), 0), (Acct.INTEREST_INCOME, 0, "0")]) is None
    assert journal_post(kind=EntryKind.ACCRUAL, business_date=JAN_10, lines=[]) is None
    assert JournalEntry.objects.count() == 0


def test_amounts_as_strings_and_trailing_zeros_are_accepted_and_stored_to_the_cent():
    entry = journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10,
                         lines=[(Acct.CASH, "12.300", 0), (Acct.LOAN_PRINCIPAL, 0, "12.3")])
    assert sorted(entry.lines.values_list("debit", "credit")) == [(D("0.00"), D("12.30")), (D("12.30"), D("0.00"))]


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_source_key_posts_once_and_returns_the_same_entry():
    first = disburse(source_key="disbursement:7")
    again = disburse(source_key="disbursement:7")
    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1 and JournalLine.objects.count() == 2
    # a key that belongs to another kind of event is a bug in the caller, not a retry
    with pytest.raises(InvalidInput) as err:
        journal_post(kind=EntryKind.REPAYMENT, business_date=JAN_10, source_key="disbursement:7",
                     lines=[(Acct.CASH, D("1.00"), 0), (Acct.LOAN_PRINCIPAL, 0, D("1.00"))])
    assert "source_key" in err.value.errors
    assert JournalEntry.objects.count() == 1


def test_a_retry_inside_the_callers_transaction_keeps_it_usable():
    with transaction.atomic():
        first = disburse(source_key="disbursement:8")
        assert disburse(source_key="disbursement:8").pk == first.pk
        assert JournalEntry.objects.count() == 1  # the transaction still works


@pytest.mark.django_db(transaction=True)
def test_concurrent_postings_with_the_same_key_post_once():
    # given one transaction that has posted but not committed yet
    ensure_chart()
    other = {}

    def post_from_another_connection():
        try:
            other["entry"] = disburse(source_key="disbursement:9")
        except Exception as exc:  # reported by the assertion below
            other["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        mine = disburse(source_key="disbursement:9")
        thread = threading.Thread(target=post_from_another_connection)
        thread.start()
        # The other connection does not see the uncommitted entry, inserts, and waits on the
        # unique index until this transaction commits.
        time.sleep(0.5)
    thread.join(timeout=20)

    # then it gets the committed entry instead of an error or a second posting
    assert "error" not in other, other.get("error")
    assert other["entry"].pk == mine.pk
    assert JournalEntry.objects.filter(source_key="disbursement:9").count() == 1
    assert JournalLine.objects.count() == 2


# --- reversal ----------------------------------------------------------------------------------


def test_a_reversal_mirrors_the_entry_nets_to_zero_and_is_idempotent():
    manager = UserFactory(role=Role.MANAGER)
    entry = disburse("2500.00", loan_id=3)
    reversal = journal_reverse(entry=entry, actor=manager, business_date=JAN_15, memo="wrong amount")

    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses == entry and reversal.created_by == manager
    assert reversal.source_key == f"reversal:{entry.pk}" and reversal.reference == "loan:3"
    assert set(reversal.lines.values_list("account__code", "debit", "credit", "loan_id")) == {
        (Acct.LOAN_PRINCIPAL, D("0.00"), D("2500.00"), 3), (Acct.CASH, D("2500.00"), D("0.00"), None)}
    tb = trial_balance()
    assert all(r["balance"] == 0 for r in tb["rows"])
    assert tb["total_debit"] == tb["total_credit"] == D("5000.00")
    assert balances_by_loan(loan_ids=[3], account_codes=[Acct.LOAN_PRINCIPAL]) == {3: {Acct.LOAN_PRINCIPAL: 0}}
    # reversing again returns the same reversal
    assert journal_reverse(entry=entry, actor=manager, business_date=JAN_20, memo="again").pk == reversal.pk
    assert JournalEntry.objects.count() == 2
    # and as of the day before the reversal the loan was still disbursed
    assert rows_by_code(trial_balance(as_of=JAN_10))[Acct.LOAN_PRINCIPAL]["balance"] == D("2500.00")


def test_a_reversal_cannot_be_dated_before_its_entry():
    entry = disburse(day=JAN_15)
    with pytest.raises(InvalidInput) as err:
        journal_reverse(entry=entry, actor=None, business_date=JAN_10, memo="")
    assert "business_date" in err.value.errors
    assert JournalEntry.objects.count() == 1


# --- append-only -------------------------------------------------------------------------------


def test_entries_and_lines_cannot_be_updated_or_deleted():
    entry = disburse()
    line = entry.lines.first()
    entry.memo = "rewrite"
    line.debit = D("1.00")
    for obj in (entry, line):
        with pytest.raises(ValidationError):
            obj.save()
        with pytest.raises(ValidationError):
            obj.delete()
    for qs in (JournalEntry.objects.all(), JournalLine.objects.all()):
        with pytest.raises(ValidationError):
            qs.update(memo="x") if qs.model is JournalEntry else qs.update(debit=0)
        with pytest.raises(ValidationError):
            qs.delete()
    # the database refuses raw rewrites too
    for sql in ("UPDATE microloan_journalentry SET memo = 'x' WHERE id = %s",
                "DELETE FROM microloan_journalline WHERE entry_id = %s"):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert JournalEntry.objects.get(pk=entry.pk).memo == "" and JournalLine.objects.count() == 2


def test_the_database_refuses_a_line_with_both_or_no_sides():
    entry = disburse()
    cash = Account.objects.get(code=Acct.CASH)
    for debit, credit in ((D("1.00"), D("1.00")), (D("0.00"), D("0.00")), (D("-1.00"), D("0.00"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalLine.objects.bulk_create([JournalLine(entry=entry, account=cash, debit=debit, credit=credit)])


@pytest.mark.unbalanced_ledger
def test_assert_ledger_balanced_finds_an_unbalanced_entry():
    disburse()
    assert_ledger_balanced()
    # an entry written around the service, as a bug would
    bad = JournalEntry.objects.create(business_date=JAN_10, kind=EntryKind.ADJUSTMENT)
    JournalLine.objects.bulk_create([JournalLine(entry=bad, account=Account.objects.get(code=Acct.CASH),
                                                 debit=D("5.00"))])
    with pytest.raises(AssertionError, match=f"#{bad.pk}: 1 lines, Dr 5.00 Cr 0"):
        assert_ledger_balanced()


# --- trial balance -----------------------------------------------------------------------------


def test_trial_balance_as_of_a_date_excludes_later_entries():
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20)
    early = rows_by_code(trial_balance(as_of=JAN_15))
    assert early[Acct.LOAN_PRINCIPAL]["balance"] == D("1000.00")
    assert rows_by_code(trial_balance(as_of=JAN_20))[Acct.LOAN_PRINCIPAL]["balance"] == D("1300.00")
    assert trial_balance(as_of=date(2026, 1, 9))["total_debit"] == 0
    assert trial_balance()["total_debit"] == D("1300.00")


def post_across(codes):
    """One entry per consecutive pair of accounts, 10.00 each."""
    for a, b in zip(codes, codes[1:], strict=False):
        journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=[(a, D("10.00"), 0), (b, 0, D("10.00"))])


def test_trial_balance_and_sub_ledger_make_a_constant_number_of_queries():
    post_across([Acct.CASH, Acct.LOAN_PRINCIPAL])
    with CaptureQueriesContext(connection) as two:
        trial_balance(as_of=JAN_15)
        balances_by_loan(loan_ids=[1, 2], account_codes=[Acct.CASH])
        assert_ledger_balanced()

    extra = [Account(code=f"90{n:02d}", name=f"测试{n}", name_en=f"Test {n}", type=AccountType.ASSET,
                     normal_side=Side.DEBIT) for n in range(20)]
    Account.objects.bulk_create(extra)
    post_across([a.code for a in extra])
    with CaptureQueriesContext(connection) as twenty:
        tb = trial_balance(as_of=JAN_15)
        balances_by_loan(loan_ids=list(range(50)), account_codes=[a.code for a in extra])
        assert_ledger_balanced()

    assert len(two) == len(twenty) == 4  # trial balance 2 (watermark, totals), sub-ledger 1, check 1
    assert sum(1 for r in tb["rows"] if r["debit"] or r["credit"]) == 22 and tb["balanced"]


# --- the trial balance page --------------------------------------------------------------------


@pytest.mark.urls("tests.kernel.ledger_urls")
@pytest.mark.parametrize("language, words", [
    ("zh-hans", ["贷款本金", "现金及存放/放款清算"]),
    ("en", ["Trial balance", "Loan principal receivable", "Cash and disbursement clearing"]),
])
def test_trial_balance_page_in_both_languages_shows_balanced_totals(client, language, words):
    client.force_login(UserFactory(role=Role.AUDITOR))
    disburse("10000.00")
    r = client.get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE=language)
    html = r.content.decode()
    assert r.status_code == 200
    assert r.context["tb"]["balanced"] and r.context["tb"]["total_debit"] == D("10000.00")
    for word in words:
        assert word in html
    assert 'id="total-debit">10000.00<' in html and 'id="total-credit">10000.00<' in html
    assert 'id="tb-status" class="status"' in html


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_takes_an_as_of_date_and_refuses_a_bad_one(client):
    client.force_login(UserFactory(role=Role.MANAGER))
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20)
    r = client.get("/ledger/trial-balance/?date=2026-01-15", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["tb"]["as_of"] == JAN_15
    assert 'id="total-debit">1000.00<' in r.content.decode() and "2026-01-15" in r.content.decode()
    r = client.get("/ledger/trial-balance/?date=15/01/2026", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and r.context["tb"] is None
    assert "date" in r.context["form"].errors


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_is_for_staff_only(client):
    assert client.get("/ledger/trial-balance/").status_code == 302  # to the login page
    client.force_login(UserFactory(role=Role.BORROWER))
    assert client.get("/ledger/trial-balance/").status_code == 403


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_makes_a_constant_number_of_queries(client):
    client.force_login(UserFactory(role=Role.AUDITOR))
    post_across([Acct.CASH, Acct.LOAN_PRINCIPAL])
    with CaptureQueriesContext(connection) as two:
        assert client.get("/ledger/trial-balance/").status_code == 200
    extra = [Account(code=f"90{n:02d}", name=f"测试{n}", type=AccountType.INCOME) for n in range(20)]
    Account.objects.bulk_create(extra)
    post_across([a.code for a in extra])
    with CaptureQueriesContext(connection) as twenty:
        r = client.get("/ledger/trial-balance/")
    assert r.status_code == 200 and "测试19" in r.content.decode()
    assert len(two) == len(twenty)


# --- property ----------------------------------------------------------------------------------

codes = st.sampled_from(sorted(CHART_CODES))


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


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings=st.lists(balanced_posting(), min_size=1, max_size=5))
def test_random_balanced_postings_keep_the_trial_balance_balanced(postings):
    with transaction.atomic():
        before = trial_balance()["total_debit"]
        for lines, _total in postings:
            journal_post(kind=EntryKind.ADJUSTMENT, business_date=JAN_10, lines=lines)
        tb = trial_balance()
        assert tb["total_debit"] == tb["total_credit"]
        assert tb["total_debit_balance"] == tb["total_credit_balance"] and tb["balanced"]
        assert tb["total_debit"] - before == D(sum(t for _lines, t in postings)).scaleb(-2)
        assert_ledger_balanced()
        transaction.set_rollback(True)  # each example starts from the same ledger


# --- the roll-up behind the trial balance ------------------------------------------------------


def journal_totals(as_of=None):
    """The trial balance's totals the slow way: straight from every journal line."""
    qs = JournalLine.objects.all()
    if as_of is not None:
        qs = qs.filter(entry__business_date__lte=as_of)
    sums = qs.values("account__code").annotate(d=Sum("debit"), c=Sum("credit"))
    return {row["account__code"]: (row["d"], row["c"]) for row in sums}


def tb_totals(as_of=None):
    return {r["code"]: (r["debit"], r["credit"]) for r in trial_balance(as_of=as_of)["rows"]
            if r["debit"] or r["credit"]}


def test_the_rollup_folds_lines_into_day_totals_and_changes_no_figure():
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20, loan_id=2)
    journal_post(kind=EntryKind.REPAYMENT, business_date=JAN_15, lines=[
        Line(Acct.CASH, debit=D("120.00")), Line(Acct.INTEREST_INCOME, credit=D("20.00"), loan_id=1),
        Line(Acct.LOAN_PRINCIPAL, credit=D("100.00"), loan_id=1)])
    before = {day: tb_totals(day) for day in (None, JAN_10, JAN_15, JAN_20)}

    assert ledger_rollup() == JournalLine.objects.order_by("-id").first().pk
    assert ledger_rollup() == 0  # nothing new: idempotent

    # one row per account and day, and the same trial balance on every date
    assert LedgerDayTotal.objects.count() == 2 + 3 + 2
    assert LedgerDayTotal.objects.get(account__code=Acct.CASH, business_date=JAN_10).credit == D("1000.00")
    assert {day: tb_totals(day) for day in before} == before

    # lines after the watermark are read from the journal until the next roll-up adds them
    disburse("50.00", day=JAN_20, loan_id=3)
    assert tb_totals() == journal_totals()
    assert tb_totals()[Acct.LOAN_PRINCIPAL] == (D("1350.00"), D("100.00"))
    ledger_rollup()
    assert LedgerDayTotal.objects.get(account__code=Acct.CASH, business_date=JAN_20).credit == D("350.00")
    assert tb_totals() == journal_totals() and tb_totals(JAN_15) == journal_totals(JAN_15)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(postings=st.lists(st.tuples(balanced_posting(), st.integers(min_value=0, max_value=3), st.booleans()),
                         min_size=1, max_size=8),
       chunk=st.integers(min_value=1, max_value=5))
def test_the_trial_balance_is_the_journal_whenever_the_rollup_runs(postings, chunk):
    days = [JAN_10, JAN_15, JAN_20, date(2026, 2, 1)]
    with transaction.atomic():
        for (lines, _total), day, roll in postings:
            journal_post(kind=EntryKind.ADJUSTMENT, business_date=days[day], lines=lines)
            if roll:
                ledger_rollup(chunk=chunk)
        for as_of in (None, *days):
            assert tb_totals(as_of) == journal_totals(as_of)
        assert trial_balance()["balanced"]
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_the_rollup_waits_for_a_posting_in_flight_and_never_skips_its_lines():
    # given a posting in flight (uncommitted) while a later one has committed with higher ids
    ensure_chart()
    later_committed, rolled = threading.Event(), {}

    def post_and_commit():
        disburse("7.00", loan_id=8, day=JAN_15)
        connection.close()
        later_committed.set()

    def roll():
        try:
            rolled["covered"] = ledger_rollup(lock_timeout_ms=20_000)
        finally:
            connection.close()

    with transaction.atomic():
        disburse("500.00", loan_id=7, day=JAN_10)
        other = threading.Thread(target=post_and_commit)
        other.start()
        assert later_committed.wait(timeout=20)
        roller = threading.Thread(target=roll)
        roller.start()
        time.sleep(0.5)
        # the roll-up cannot take the max id yet: it would step over this transaction's lines
        assert roller.is_alive()
    roller.join(timeout=20)

    # then, once this transaction commits, it rolls up both postings, nothing lost or doubled
    assert rolled["covered"] >= 4
    assert LedgerRollup.objects.get().last_line_id == JournalLine.objects.order_by("-id").first().pk
    assert tb_totals() == journal_totals()
    assert tb_totals()[Acct.LOAN_PRINCIPAL] == (D("507.00"), D("0.00"))
    assert sum(t.debit for t in LedgerDayTotal.objects.filter(account__code=Acct.LOAN_PRINCIPAL)) == D("507.00")


@pytest.mark.django_db(transaction=True)
def test_the_rollup_gives_up_within_its_lock_timeout_and_catches_up_later():
    ensure_chart()
    result = {}

    def roll():
        try:
            result["covered"] = ledger_rollup(lock_timeout_ms=100)
        finally:
            connection.close()

    with transaction.atomic():
        disburse("500.00", day=JAN_10)
        roller = threading.Thread(target=roll)
        roller.start()
        roller.join(timeout=20)
        assert not roller.is_alive()
    assert result["covered"] == 0 and not LedgerDayTotal.objects.exists()
    assert ledger_rollup() == JournalLine.objects.order_by("-id").first().pk
    assert tb_totals() == journal_totals()


@pytest.mark.django_db(transaction=True)
def test_a_rollup_finding_another_one_running_gives_up_instead_of_failing():
    # given one roll-up holding the watermark (as a long step of the hourly job would)
    ensure_chart()
    disburse("500.00", day=JAN_10)
    result = {}

    def roll():
        try:
            result["covered"] = ledger_rollup(lock_timeout_ms=100)
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        LedgerRollup.objects.select_for_update().get_or_create(pk=1)
        roller = threading.Thread(target=roll)
        roller.start()
        roller.join(timeout=20)
    # then the second one returns having done nothing, and a later call rolls everything up
    assert "error" not in result, result.get("error")
    assert result["covered"] == 0
    assert ledger_rollup() > 0 and tb_totals() == journal_totals()
