"""The loan factory: a disbursed loan built the way the product builds one, through the
services (application → investigation → assessment → review → decision → contract →
signature → disbursement prepared by the officer and released by an operations supervisor;
microloan.scenarios), with its acting users and business date."""

from decimal import Decimal

import factory

from microloan import scenarios
from microloan.business_date import business_date
from microloan.models import Role
from servicing.models import Loan

from ..applications.factories import BorrowerFactory, ProductFactory
from ..kernel.factories import UserFactory
from ..underwriting.factories import ApproverFactory, ReviewerFactory

_SAME_BRANCH = factory.SelfAttribute("..officer.branch")


class LoanFactory(factory.Factory):
    """``LoanFactory(officer=..., on=date(...), approved_rate=Decimal("0.12"))``: every
    field but the loan's own is an input of the walk; extra keywords are the approved terms
    (``approved_amount``, ``approved_term``, ``approved_rate``, ``conditions``). ``on`` is the
    business date of the visit and the disbursement (by default the current business date)."""

    class Meta:
        model = Loan

    officer = factory.SubFactory(UserFactory, role=Role.OFFICER)
    reviewer = factory.SubFactory(ReviewerFactory, branch=_SAME_BRANCH)
    approver = factory.SubFactory(ApproverFactory, branch=_SAME_BRANCH)
    # 作业监督岗: releases the disbursement the officer prepared (four eyes).
    releaser = factory.SubFactory(UserFactory, role=Role.SUPERVISOR, branch=_SAME_BRANCH)
    borrower = factory.SubFactory(BorrowerFactory, branch=_SAME_BRANCH)
    product = factory.SubFactory(ProductFactory)
    amount = Decimal("10000.00")
    term = 12
    method = "annuity"
    frequency = "monthly"
    on = factory.LazyFunction(business_date)
    channel = "bank_transfer"
    reference = factory.Sequence(lambda n: f"TX-{n}")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("A loan exists only once disbursed: use LoanFactory() (create), not build().")

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        officer,
        reviewer,
        approver,
        releaser,
        borrower,
        product,
        amount,
        term,
        method,
        frequency,
        on,
        channel,
        reference,
        **terms,
    ):
        app = scenarios.application_draft(
            officer=officer,
            borrower=borrower,
            product=product,
            amount=amount,
            term=term,
            method=method,
            frequency=frequency,
        )
        return scenarios.loan_disbursed(
            app,
            officer=officer,
            reviewer=reviewer,
            approver=approver,
            releaser=releaser,
            on=on,
            channel=channel,
            reference=reference,
            **terms,
        )
