"""The loan's and the instalment's shared rules, each defined once in servicing/models.py and
read the same way by Python, the ORM and the set-based SQL."""

from decimal import Decimal as D

import pytest
from django.db import connection

from servicing.models import Installment, Loan, LoanStatus

pytestmark = pytest.mark.django_db


def test_live_loans_are_active_or_restructured_in_python_orm_and_sql(loan):
    assert LoanStatus.LIVE == {LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED}
    assert "LIVE" not in LoanStatus.names  # a set of members, not a member
    seen = {}
    for status in LoanStatus.values:
        Loan.objects.filter(pk=loan.pk).update(status=status)
        loan.refresh_from_db()
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT COUNT(*) FROM servicing_loan WHERE id = %s AND status IN {LoanStatus.live_sql()}", [loan.pk]
            )
            in_sql = cur.fetchone()[0] == 1
        seen[status] = (loan.is_live, Loan.objects.live().filter(pk=loan.pk).exists(), in_sql)
    assert seen == {
        "active": (True,) * 3,
        "restructured": (True,) * 3,
        "closed": (False,) * 3,
        "written_off": (False,) * 3,
    }


@pytest.mark.parametrize(
    "parts",
    [
        {},
        {"principal_paid": "100.00", "interest_paid": "5.00"},
        {"penalty_due": "3.33", "penalty_paid": "1.00", "penalty_waived": "2.33"},
        {"fee_due": "10.00", "fee_paid": "4.00", "interest_waived": "7.50"},
    ],
)
def test_unpaid_is_one_rule_for_the_property_the_orm_and_the_sql(loan, parts):
    i = loan.installments.order_by("number").first()
    Installment.objects.filter(pk=i.pk).update(**{k: D(v) for k, v in parts.items()})
    i.refresh_from_db()
    by_hand = (
        i.principal_due
        + i.interest_due
        + i.fee_due
        + i.penalty_due
        - i.principal_paid
        - i.interest_paid
        - i.fee_paid
        - i.penalty_paid
        - i.penalty_waived
        - i.interest_waived
    )
    orm = Installment.objects.annotate(u=Installment.unpaid_expression()).get(pk=i.pk).u
    with connection.cursor() as cur:
        cur.execute(f"SELECT {Installment.unpaid_sql('x')} FROM servicing_installment x WHERE x.id = %s", [i.pk])
        sql = cur.fetchone()[0]
    assert i.unpaid == orm == sql == by_hand
    assert i.total_due == i.principal_due + i.interest_due + i.fee_due + i.penalty_due
    parts = {p: i.unpaid_of(p) for p in ("principal", "interest", "fee", "penalty")}
    assert sum(parts.values()) == i.unpaid
    assert parts["penalty"] == i.penalty_due - i.penalty_paid - i.penalty_waived
    assert parts["interest"] == i.interest_due - i.interest_paid - i.interest_waived


def test_the_sql_expression_names_every_part_once():
    sql = Installment.unpaid_sql("i")
    fields = [f for part in Installment.DUE_PARTS for f in part if f]
    assert sorted(t.strip("() +-") for t in sql.replace(" - ", " + ").split(" + ")) == sorted(f"i.{f}" for f in fields)
