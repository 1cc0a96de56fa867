"""The loan contract (借款合同) as a PDF, in Simplified Chinese or English.

:func:`render_contract_pdf` takes a :class:`ContractData` (the parties, the terms and the
:class:`~microloan.lending.schedule.Schedule` built by :func:`~microloan.lending.schedule.build_schedule`)
and returns the PDF's bytes. No database: the caller passes plain values. The words are
gettext strings (context "contract"), read under the contract's language.

The APR (annualised rate by the IRR method, fees included) is shown in a boxed, bold figure
larger than any other rate in the document, as the People's Bank of China's 2021
announcement No. 3 requires.
"""

# Long module: the contract reads top to bottom as the borrower reads it, every section with its
# own wording (the six general clauses alone take 40 lines); split, a clause would sit apart from
# the section that prints it.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.utils import translation
from django.utils.translation import npgettext, pgettext
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from microloan.lending.schedule import Schedule

from .formats import date_time, format_apr, format_money, format_percent, long_date, rmb_in_words
from .kit import (
    GRID,
    SHADE,
    DocumentBuilder,
    Party,
    check_language,
    content_width,
)

# The APR figure: larger than every other rate on the page (they are all body size).
APR_SIZE: Final = 20
APR_LABEL_SIZE: Final = 13


@dataclass(frozen=True)
class ContractData:
    """Everything the contract shows. Rates are fractions (0.18 = 18%); ``penalty_rate`` is
    annual and already resolved (the product's, or the contract rate x 1.5)."""

    contract_number: str
    lender: Party
    borrower: Party
    branch_name: str
    product_name: str
    principal: Decimal
    fee: Decimal
    annual_rate: Decimal
    apr: Decimal
    term: int
    frequency: str
    method: str
    disbursement_date: date | None
    purpose: str
    penalty_rate: Decimal
    grace_days: int
    schedule: Schedule
    guarantors: Sequence[str] = ()
    signed_at: datetime | None = None
    version: int = 1
    currency: str = "CNY"


def _frequency(frequency: str) -> str:
    names = {
        "monthly": pgettext("contract", "monthly"),
        "biweekly": pgettext("contract", "every two weeks"),
        "weekly": pgettext("contract", "weekly"),
    }
    return names.get(frequency, frequency)


def _method(method: str) -> str:
    names = {
        "annuity": pgettext("contract", "Equal instalments (annuity)"),
        "equal_principal": pgettext("contract", "Equal principal"),
        "interest_only": pgettext("contract", "Interest only with principal at maturity"),
        "flat": pgettext("contract", "Flat"),
    }
    return names.get(method, method)


def _clauses() -> tuple[str, ...]:
    return (
        pgettext(
            "contract",
            "Repayment: the Borrower shall pay each instalment of principal and interest in full on "
            "or before its due date, as set out in the repayment schedule.",
        ),
        pgettext(
            "contract",
            "Early repayment: the Borrower may repay part or all of the loan early at any time; to "
            "repay in full, the Borrower pays the payoff amount the Lender quotes for the actual payment date, "
            "with interest up to that date.",
        ),
        pgettext(
            "contract",
            "Late payment: if the Borrower pays late, the Lender may charge penalty interest under "
            "clause 3 and pursue collection by lawful means. The Lender follows the law and industry rules in "
            "collection and does not disclose the debt to third parties other than guarantors.",
        ),
        pgettext(
            "contract",
            "Credit reporting: the Borrower agrees that the Lender may, as the law allows, query and "
            "report the Borrower's credit information, including any late payment under this contract, to the "
            "Credit Reference Center and other credit bureaus.",
        ),
        pgettext(
            "contract",
            "Disputes: the parties shall try to settle any dispute arising from this contract by "
            "negotiation; failing that, either party may sue in the competent people's court where the Lender "
            "is domiciled.",
        ),
        pgettext(
            "contract",
            "Effect: this contract takes effect when sealed by the Lender and signed by the "
            "Borrower; the repayment schedule forms part of it.",
        ),
    )


class _ContractBuilder(DocumentBuilder):
    def __init__(self, data: ContractData, language: str, width: float) -> None:
        super().__init__(language, width, data.currency)
        self.data = data

    def when(self, value: date | None) -> str:
        return pgettext("contract", "the actual disbursement date") if value is None else long_date(value)

    def number_line(self) -> str:
        return pgettext("contract", "Contract No. %(number)s") % {"number": self.data.contract_number}

    # Sections.

    def build(self) -> list[Flowable]:
        data = self.data
        number = pgettext("contract", "Contract No. %(number)s (version %(version)s)") % {
            "number": data.contract_number,
            "version": data.version,
        }
        story: list[Flowable] = [
            *self.title(pgettext("contract", "Loan Contract"), number),
            Spacer(1, 8),
            self.para(
                pgettext(
                    "contract",
                    "The Lender and the Borrower, having consulted on an equal footing, agree "
                    "on the loan below and will both abide by this contract.",
                )
            ),
        ]
        story += self.parties()
        story += self.terms()
        story += self.penalty()
        story += self.schedule()
        story += self.clauses()
        story += self.signatures()
        return story

    def parties(self) -> list[Flowable]:
        data = self.data
        lender, borrower = data.lender, data.borrower
        phone = pgettext("contract", "Phone")
        rows: list[tuple[str, str] | str] = [
            pgettext("contract", "Lender (Party A)"),
            (pgettext("contract lender", "Name"), lender.name),
            (pgettext("contract", "Unified social credit code"), lender.id_number),
            (pgettext("contract", "Registered address"), lender.address),
            (phone, lender.phone),
            (pgettext("contract", "Branch"), data.branch_name),
            pgettext("contract", "Borrower (Party B)"),
            (pgettext("contract", "Name"), borrower.name),
            (pgettext("contract", "Resident ID number"), borrower.id_number),
            (pgettext("contract", "Address"), borrower.address),
            (phone, borrower.phone),
        ]
        if data.guarantors:
            separator = pgettext("contract: between the guarantors' names", ", ")
            rows += [(pgettext("contract", "Guarantors"), separator.join(data.guarantors))]

        cells: list[list[Any]] = []
        style: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        for index, row in enumerate(rows):
            if isinstance(row, str):  # a party's heading row across both columns
                cells.append([self.para(row, self.cell, bold=True), ""])
                style += [("SPAN", (0, index), (1, index)), ("BACKGROUND", (0, index), (1, index), SHADE)]
            else:
                cells.append([self.para(row[0], self.label), self.para(row[1], self.cell)])
        label_width = self.width * 0.3
        table = Table(cells, colWidths=[label_width, self.width - label_width])
        table.setStyle(self.table_style(style))
        return [self.heading(pgettext("contract", "1. Parties")), table]

    def apr_box(self) -> Flowable:
        return self.figure_box(
            pgettext("contract", "Annual Percentage Rate (APR)"),
            pgettext(
                "contract",
                "The annualised rate by the IRR (internal rate of return) method, including the fee "
                "and every other cost of the loan to the Borrower (PBOC announcement No. 3 [2021]).",
            ),
            format_apr(self.data.apr),
            size=APR_SIZE,
            label_size=APR_LABEL_SIZE,
            left_share=0.66,
            space_after=8,
        )

    def terms(self) -> list[Flowable]:
        data = self.data
        schedule = data.schedule
        installments = schedule.installments
        term_text = npgettext(
            "contract", "%(term)s instalment, %(frequency)s", "%(term)s instalments, %(frequency)s", data.term
        ) % {"term": data.term, "frequency": _frequency(data.frequency)}
        principal_text = self.amount(data.principal)
        if self.chinese and data.currency == "CNY":
            principal_text += pgettext("contract", " (in words: CNY %(words)s)") % {
                "words": rmb_in_words(data.principal)
            }
        rows = [
            (pgettext("contract", "Product"), data.product_name),
            (pgettext("contract", "Loan amount"), principal_text),
            (pgettext("contract", "Upfront fee (deducted at disbursement)"), self.amount(data.fee)),
            (pgettext("contract", "Amount paid out (loan amount - fee)"), self.amount(data.principal - data.fee)),
            (pgettext("contract", "Term"), term_text),
            (pgettext("contract", "Repayment method"), _method(data.method)),
            (pgettext("contract", "Planned disbursement date"), self.when(data.disbursement_date)),
            (pgettext("contract", "First due date"), long_date(installments[0].due_date)),
            (pgettext("contract", "Maturity (last due date)"), long_date(installments[-1].due_date)),
            (pgettext("contract", "Nominal annual interest rate"), format_percent(data.annual_rate)),
            (pgettext("contract", "Purpose"), data.purpose),
            (pgettext("contract", "Total interest"), self.amount(schedule.total_interest)),
            (pgettext("contract", "Total repayable (principal + interest)"), self.amount(schedule.total_payable)),
            (
                pgettext("contract", "Total cost of credit (interest + fee)"),
                self.amount(schedule.total_interest + data.fee),
            ),
        ]
        return [self.heading(pgettext("contract", "2. Loan terms")), self.apr_box(), self.key_value_table(rows)]

    def penalty(self) -> list[Flowable]:
        data = self.data
        if data.grace_days > 0:
            grace = npgettext(
                "contract",
                "%(days)s day after the due date (no penalty interest if paid in full within it)",
                "%(days)s days after the due date (no penalty interest if paid in full within it)",
                data.grace_days,
            ) % {"days": data.grace_days}
        else:
            grace = pgettext("contract", "None")
        rows = [
            (pgettext("contract", "Annual penalty rate"), format_percent(data.penalty_rate)),
            (pgettext("contract", "Daily penalty rate (annual rate / 360)"), format_percent(data.penalty_rate / 360)),
            (pgettext("contract", "Grace period"), grace),
        ]
        intro = pgettext(
            "contract",
            "If the Borrower does not pay an instalment in full by its due date, penalty "
            "interest accrues daily on the overdue principal from the day it becomes overdue until it is "
            "paid.",
        )
        return [
            self.heading(pgettext("contract", "3. Late payment and penalty interest")),
            self.para(intro),
            Spacer(1, 4),
            self.key_value_table(rows),
        ]

    def schedule(self) -> list[Flowable]:
        data = self.data
        schedule = data.schedule
        if data.disbursement_date is None:
            note = pgettext(
                "contract",
                "The due dates follow from the actual disbursement date at the frequency "
                "above; the amounts stay the same.",
            )
        else:
            note = pgettext(
                "contract",
                "This schedule assumes disbursement on %(date)s. If the loan is paid out on "
                "another date, the due dates follow from the actual disbursement date by the same rules "
                "and the amounts stay the same.",
            ) % {"date": long_date(data.disbursement_date)}
        rows: list[list[Any]] = [
            [
                pgettext("contract schedule", "No."),
                pgettext("contract schedule", "Due date"),
                pgettext("contract schedule", "Principal"),
                pgettext("contract schedule", "Interest"),
                pgettext("contract schedule", "Total"),
                pgettext("contract schedule", "Balance"),
            ]
        ]
        for item in schedule.installments:
            rows.append(
                [
                    str(item.number),
                    item.due_date.isoformat(),
                    format_money(item.principal),
                    format_money(item.interest),
                    format_money(item.total),
                    format_money(item.balance_after),
                ]
            )
        rows.append(
            [
                pgettext("contract", "Total"),
                "",
                format_money(schedule.total_principal),
                format_money(schedule.total_interest),
                format_money(schedule.total_payable),
                "",
            ]
        )
        last = len(rows) - 1
        table = self.grid_table(
            rows,
            (0.09, 0.17, 0.185, 0.17, 0.185, 0.2),
            numeric_from=2,
            totals=True,
            extra=[("SPAN", (0, last), (1, last))],
        )
        return [
            self.heading(pgettext("contract", "4. Repayment schedule")),
            self.para(note),
            self.unit(),
            Spacer(1, 3),
            table,
        ]

    def clauses(self) -> list[Flowable]:
        hanging = ParagraphStyle("clause", parent=self.body, leftIndent=14, firstLineIndent=-14, spaceAfter=3)
        story: list[Flowable] = [self.heading(pgettext("contract", "5. General terms"))]
        for number, clause in enumerate(_clauses(), start=1):
            story.append(self.para(f"{number}. {clause}", hanging))
        return story

    def signature_block(self, who: str, *, representative: bool = False) -> list[Flowable]:
        block: list[Flowable] = [self.para(who), Spacer(1, 10)]
        if representative:
            block += [self.para(pgettext("contract", "Legal or authorised representative (signature):")), Spacer(1, 10)]
        return block + [
            # Translators: the line to sign on.
            self.para(pgettext("contract", "______________________________")),
            Spacer(1, 10),
            self.para(pgettext("contract", "Date: ____________________")),
        ]

    def signatures(self) -> list[Flowable]:
        data = self.data
        lender = self.signature_block(
            pgettext("contract", "Lender (seal): %(name)s") % {"name": data.lender.name}, representative=True
        )
        borrower = self.signature_block(
            pgettext("contract", "Borrower (signature): %(name)s") % {"name": data.borrower.name}
        )
        rows: list[list[Any]] = [[lender, borrower]]
        guarantors = list(data.guarantors)
        for start in range(0, len(guarantors), 2):
            cells: list[Any] = [
                self.signature_block(pgettext("contract", "Guarantor (signature): %(name)s") % {"name": name})
                for name in guarantors[start : start + 2]
            ]
            rows.append(cells + [""] * (2 - len(cells)))
        half = self.width / 2
        table = Table(rows, colWidths=[half, half])
        table.setStyle(
            self.table_style(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
                ]
            )
        )
        block: list[Flowable] = [self.heading(pgettext("contract", "6. Signatures")), Spacer(1, 4), table]
        if data.signed_at is not None:
            signed = pgettext("contract", "Signed at %(when)s") % {"when": date_time(data.signed_at)}
            block.append(self.para(signed, bold=True))
        return [KeepTogether(block)]


def _check(data: ContractData) -> None:
    """Refuse a contract whose figures disagree with its own schedule: the APR box, the terms
    and the table must tell the borrower the same thing."""
    schedule = data.schedule
    if not schedule.installments:
        raise ValueError("schedule: has no instalments.")
    if len(schedule.installments) != data.term:
        raise ValueError(f"term: {data.term} but the schedule has {len(schedule.installments)} instalments.")
    if schedule.total_principal != data.principal:
        raise ValueError(f"principal: {data.principal} but the schedule lends {schedule.total_principal}.")
    if schedule.apr != data.apr:
        raise ValueError(f"apr: {data.apr} but the schedule's APR is {schedule.apr}.")
    if not Decimal(0) <= data.fee < data.principal:
        raise ValueError("fee: must be at least 0 and less than the principal.")


def render_contract_pdf(data: ContractData, *, language: str) -> bytes:
    """The contract as PDF bytes (A4) in ``language``: "zh-hans" or "en".

    Raises ``ValueError`` for another language or for data that contradicts its schedule
    (term, principal or APR). The same data and language always give the same bytes.
    """
    check_language(language)
    _check(data)
    with translation.override(language):
        builder = _ContractBuilder(data, language, content_width())
        title = pgettext("contract", "Loan Contract")
        return builder.render(title=title, number=data.contract_number, author=data.lender.name)
