import pytest

from applications.models import ApplicationStatus
from microloan.models import Role
from servicing.models import Contract, Installment, Loan

from ..applications.factories import ApplicationFactory
from ..kernel.factories import UserFactory

# The servicing fixtures: a disbursed 10,000.00 loan, 12 monthly annuity instalments at 12%
# from 2026-11-20 (penalty rate 18% = 12% × 1.5, grace 3 days), on a balanced ledger.
from ..servicing.conftest import (  # noqa: F401
    approved_app,
    approver,
    biz_date,
    loan,
    reviewer,
    supervisor,
    sv_product,
)
from .factories import overdue_case


def clone_loan(original: Loan) -> Loan:
    """Another loan with the same terms and schedule (through the ORM, for portfolio tests)."""
    app = ApplicationFactory(
        borrower=original.borrower, branch=original.branch, product=original.product, status=ApplicationStatus.DISBURSED
    )
    contract = Contract.objects.get(pk=original.contract_id)
    contract.pk, contract.application, contract.version = None, app, 1
    contract.save()
    copy = Loan.objects.get(pk=original.pk)
    copy.pk, copy.application, copy.contract = None, app, contract
    copy.save()
    rows = list(Installment.objects.filter(loan=original).order_by("number"))
    for row in rows:
        row.pk, row.loan = None, copy
    Installment.objects.bulk_create(rows)
    return copy


@pytest.fixture
def portfolio(loan):  # noqa: F811 - the servicing fixture
    """Four loans like ``loan``, the same schedule, nothing paid on any."""
    return [loan, *(clone_loan(loan) for _ in range(3))]


@pytest.fixture
def collectors(branch):
    return [UserFactory(username=f"collector{i}", role=Role.COLLECTOR, branch=branch) for i in range(2)]


@pytest.fixture
def case(loan, collectors):  # noqa: F811 - the servicing fixture
    """The fixture loan's case, opened and assigned by the close of 2026-12-20 and -21."""
    return overdue_case(loan)
