"""The chart of accounts: every code an account, normal sides, idempotent creation."""

import pytest
from django.core.management import call_command

from microloan.ledger import CHART, CHART_CODES, Account, AccountType, Acct, Side, ensure_chart

pytestmark = pytest.mark.django_db


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
