"""The loan statement (贷款对账单) as a PDF, in Simplified Chinese or English.

:func:`render_statement_pdf` takes a :class:`StatementData` and returns the PDF's bytes (A4).
No database: the caller builds the lines from the books and passes plain values
(``servicing.documents.statement_pdf``). The words are gettext strings (context "statement"),
read under the statement's language.

The renderer refuses figures that do not add up (``ValueError``): the opening balance plus
the charges less the payments make the closing balance, line by line. The borrower's ID
number is shown masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.utils import translation
from django.utils.translation import npgettext, pgettext
from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, Spacer

from microloan.lending.money import ZERO

from .formats import format_apr, format_money, format_percent
from .kit import DocumentBuilder, Party, check_language, content_width, mask_id

APR_SIZE: Final = 18
OVERDUE_BACKGROUND: Final = colors.HexColor("#fde8e8")


@dataclass(frozen=True)
class StatementLine:
    """One transaction: ``debit`` is a charge (interest, fee, penalty accrued), ``credit`` a
    payment; ``balance`` is the running balance after the line."""

    date: date
    description: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementData:
    """Everything a loan statement shows. Rates are fractions (0.18 = 18%). ``schedule_rows``
    are ``(number, due date, total due, total paid, status)``; the status is an instalment status
    ("due", "paid", "partially_paid", "overdue"; "upcoming", "waived" also known), shown
    translated, or any other text shown as given."""

    statement_number: str
    lender: Party
    borrower_name: str
    borrower_id_number: str
    loan_number: str
    period_start: date
    period_end: date
    principal: Decimal
    annual_rate: Decimal
    apr: Decimal
    opening_balance: Decimal
    lines: Sequence[StatementLine]
    closing_balance: Decimal
    schedule_rows: Sequence[tuple[int, date, Decimal, Decimal, str]]
    days_past_due: int
    penalty_outstanding: Decimal
    currency: str = "CNY"


def _check(data: StatementData) -> None:
    if data.period_start > data.period_end:
        raise ValueError(f"period: starts {data.period_start}, after its end {data.period_end}.")
    balance = data.opening_balance
    for index, line in enumerate(data.lines):
        if line.debit < ZERO or line.credit < ZERO:
            raise ValueError(f"lines[{index}]: debit and credit must not be negative.")
        if not data.period_start <= line.date <= data.period_end:
            raise ValueError(f"lines[{index}].date: {line.date} is outside the period.")
        balance += line.debit - line.credit
        if line.balance != balance:
            raise ValueError(f"lines[{index}].balance: {line.balance} but the running balance is {balance}.")
    charges = sum((line.debit for line in data.lines), ZERO)
    payments = sum((line.credit for line in data.lines), ZERO)
    if data.opening_balance + charges - payments != data.closing_balance:
        raise ValueError(
            f"closing_balance: {data.closing_balance} but opening {data.opening_balance} + charges {charges} "
            f"- payments {payments} = {data.opening_balance + charges - payments}."
        )
    for index, (_number, _due_date, due, paid, _status) in enumerate(data.schedule_rows):
        if due < ZERO or paid < ZERO:
            raise ValueError(f"schedule_rows[{index}]: amounts must not be negative.")
    if data.days_past_due < 0:
        raise ValueError("days_past_due: must not be negative.")
    if data.penalty_outstanding < ZERO:
        raise ValueError("penalty_outstanding: must not be negative.")


def instalment_status(status: str) -> str:
    """An instalment status as the statement names it; any other text as given."""
    names = {
        "due": pgettext("instalment status", "Due"),
        "paid": pgettext("instalment status", "Paid"),
        "partially_paid": pgettext("instalment status", "Partly paid"),
        "overdue": pgettext("instalment status", "Overdue"),
        "upcoming": pgettext("instalment status", "Not yet due"),
        "waived": pgettext("instalment status", "Waived"),
    }
    return names.get(status.strip().lower(), status)


class _StatementBuilder(DocumentBuilder):
    def __init__(self, data: StatementData, language: str, width: float) -> None:
        super().__init__(language, width, data.currency)
        self.data = data

    def number_line(self) -> str:
        return pgettext("statement", "Statement No. %(number)s") % {"number": self.data.statement_number}

    def build(self) -> list[Flowable]:
        data = self.data
        story = self.title(pgettext("statement", "Loan Statement"), self.number_line())
        period = pgettext("statement", "Period: %(start)s to %(end)s") % {
            "start": self.date(data.period_start),
            "end": self.date(data.period_end),
        }
        story += [self.para(period, self.centered, bold=True), Spacer(1, 6)]
        story += self.account()
        story += self.summary()
        story += self.transactions()
        story += self.schedule()
        story += self.overdue()
        note = pgettext(
            "statement", "Please check this statement and tell the Lender of any error within 30 days of receiving it."
        )
        story += [Spacer(1, 10), self.para(note, self.small)]
        return story

    def account(self) -> list[Flowable]:
        data = self.data
        rows = [
            (pgettext("statement", "Lender"), data.lender.name),
            (pgettext("statement", "Borrower"), data.borrower_name),
            (pgettext("statement", "Resident ID number"), mask_id(data.borrower_id_number)),
            (pgettext("statement", "Contract No."), data.loan_number),
        ]
        return [self.heading(pgettext("statement", "1. Account")), self.key_value_table(rows)]

    def summary(self) -> list[Flowable]:
        data = self.data
        charges = sum((line.debit for line in data.lines), ZERO)
        payments = sum((line.credit for line in data.lines), ZERO)
        rows = [
            (pgettext("statement", "Loan amount"), self.amount(data.principal)),
            (pgettext("statement", "Nominal annual interest rate"), format_percent(data.annual_rate)),
            (pgettext("statement", "Opening balance"), self.amount(data.opening_balance)),
            (pgettext("statement", "Charges in the period"), self.amount(charges)),
            (pgettext("statement", "Payments in the period"), self.amount(payments)),
            (pgettext("statement", "Closing balance"), self.amount(data.closing_balance)),
        ]
        apr_note = pgettext("statement", "By the IRR method, including the fee and every other cost of the loan.")
        return [
            self.heading(pgettext("statement", "2. Loan summary")),
            self.figure_box(
                pgettext("statement", "Annual Percentage Rate (APR)"), apr_note, format_apr(data.apr), size=APR_SIZE
            ),
            self.key_value_table(rows),
        ]

    def transactions(self) -> list[Flowable]:
        data = self.data
        header = [self.heading(pgettext("statement", "3. Transactions in the period")), self.unit(), Spacer(1, 3)]
        rows: list[list[Any]] = [
            [
                pgettext("statement", "Date"),
                pgettext("statement", "Description"),
                pgettext("statement", "Charges"),
                pgettext("statement", "Payments"),
                pgettext("statement", "Balance"),
            ],
            [
                data.period_start.isoformat(),
                self.para(pgettext("statement", "Opening balance"), self.table_cell),
                "",
                "",
                format_money(data.opening_balance),
            ],
        ]
        for line in data.lines:
            rows.append(
                [
                    line.date.isoformat(),
                    self.para(line.description, self.table_cell),
                    format_money(line.debit) if line.debit else "",
                    format_money(line.credit) if line.credit else "",
                    format_money(line.balance),
                ]
            )
        if not data.lines:
            rows.append(
                ["", self.para(pgettext("statement", "No transactions in the period."), self.table_cell), "", "", ""]
            )
        charges = sum((line.debit for line in data.lines), ZERO)
        payments = sum((line.credit for line in data.lines), ZERO)
        closing = pgettext("statement", "Closing balance / Period total")
        rows.append(
            [
                data.period_end.isoformat(),
                self.para(closing, self.table_cell, bold=True),
                format_money(charges),
                format_money(payments),
                format_money(data.closing_balance),
            ]
        )
        table = self.grid_table(
            rows,
            (0.15, 0.37, 0.16, 0.16, 0.16),
            numeric_from=2,
            totals=True,
            extra=[("ALIGN", (1, 1), (1, -1), "LEFT")],
        )
        return [*header, table]

    def schedule(self) -> list[Flowable]:
        data = self.data
        story: list[Flowable] = [self.heading(pgettext("statement", "4. Repayment schedule status"))]
        if not data.schedule_rows:
            return [*story, self.para(pgettext("statement", "No repayment schedule."))]
        rows: list[list[Any]] = [
            [
                pgettext("statement", "No."),
                pgettext("statement", "Due date"),
                pgettext("statement", "Amount due"),
                pgettext("statement", "Paid"),
                pgettext("statement", "Unpaid"),
                pgettext("statement", "Status"),
            ]
        ]
        extra: list[tuple[Any, ...]] = []
        for index, (number, due_date, due, paid, status) in enumerate(data.schedule_rows, start=1):
            rows.append(
                [
                    str(number),
                    due_date.isoformat(),
                    format_money(due),
                    format_money(paid),
                    format_money(max(due - paid, ZERO)),
                    self.para(instalment_status(status), self.table_cell),
                ]
            )
            if status.strip().lower() == "overdue":
                extra += [("BACKGROUND", (0, index), (-1, index), OVERDUE_BACKGROUND)]
        table = self.grid_table(rows, (0.08, 0.17, 0.19, 0.19, 0.19, 0.18), numeric_from=2, totals=False, extra=extra)
        return [*story, self.unit(), Spacer(1, 3), table]

    def overdue(self) -> list[Flowable]:
        data = self.data
        days = data.days_past_due
        # Everything due by the end of the period and still unpaid.
        past_due = sum(
            (
                max(due - paid, ZERO)
                for _number, due_date, due, paid, _status in data.schedule_rows
                if due_date <= data.period_end
            ),
            ZERO,
        )
        rows = [
            (
                pgettext("statement", "Days past due"),
                npgettext("statement", "%(days)s day", "%(days)s days", days) % {"days": days},
            ),
            (pgettext("statement", "Due and unpaid at the end of the period"), self.amount(past_due)),
            (pgettext("statement", "Penalty interest outstanding"), self.amount(data.penalty_outstanding)),
        ]
        if days > 0:
            text = npgettext(
                "statement",
                "The loan is %(days)s day past due. Please pay as soon as possible: penalty interest accrues daily on "
                "overdue principal as the contract provides, and late payment is reported to credit bureaus as the "
                "law allows.",
                "The loan is %(days)s days past due. Please pay as soon as possible: penalty interest accrues daily on "
                "overdue principal as the contract provides, and late payment is reported to credit bureaus as the "
                "law allows.",
                days,
            ) % {"days": days}
            message = self.para(text, self.warning, bold=True)
        else:
            message = self.para(pgettext("statement", "No payment is overdue at the end of the period."))
        heading = self.heading(pgettext("statement", "5. Overdue summary"))
        return [KeepTogether([heading, message, Spacer(1, 4), self.key_value_table(rows, label_share=0.45)])]


def render_statement_pdf(data: StatementData, *, language: str) -> bytes:
    """The loan statement as PDF bytes (A4) in ``language``: "zh-hans" or "en".

    Raises ``ValueError`` for another language or for figures that do not add up (opening
    balance + charges - payments must equal the closing balance, and each line's balance the
    running balance). The same data and language always give the same bytes.
    """
    check_language(language)
    _check(data)
    with translation.override(language):
        builder = _StatementBuilder(data, language, content_width())
        title = pgettext("statement", "Loan Statement")
        return builder.render(title=title, number=data.statement_number, author=data.lender.name)
