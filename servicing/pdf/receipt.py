"""The repayment receipt (还款凭证) as a PDF, in Simplified Chinese or English.

:func:`render_receipt_pdf` takes a :class:`ReceiptData` and returns the PDF's bytes (A4). No
database: the caller reads the repayment, its allocations and the loan and passes plain values
(``servicing.documents.receipt_pdf``). The words are gettext strings (context "receipt"), read
under the receipt's language.

The renderer refuses figures that do not add up (``ValueError``), so a receipt never
contradicts itself: the allocations plus the unapplied credit make the amount paid. The
borrower's ID number is shown masked. A receipt of a reversed posting carries a red REVERSED
stamp on its first page and a small one on every later page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.utils import translation
from django.utils.translation import pgettext
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Spacer

from microloan.lending.money import ZERO

from .fonts import CJK_FONT
from .formats import format_money, rmb_in_words
from .kit import (
    RED,
    DocumentBuilder,
    Party,
    check_language,
    content_width,
    mask_id,
)

AMOUNT_SIZE: Final = 18
STAMP_SIZE: Final = 30


@dataclass(frozen=True)
class AllocationRow:
    """What one repayment met on one instalment, by part (allocation order: penalty, fees,
    interest, principal)."""

    installment_number: int
    due_date: date
    penalty: Decimal
    fee: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalty + self.fee + self.interest + self.principal


@dataclass(frozen=True)
class ReceiptData:
    """Everything a repayment receipt shows. ``unapplied`` is the part of the amount not applied
    to any instalment (held as the borrower's credit); ``next_due_date`` and ``next_due_amount``
    are both ``None`` when nothing more is due. ``reversed`` marks the receipt of a posting that
    was reversed; ``reversal_of`` names the receipt that this one reverses, if any."""

    receipt_number: str
    lender: Party
    borrower_name: str
    borrower_id_number: str
    loan_number: str
    paid_on: date
    amount: Decimal
    channel: str
    reference: str
    allocations: Sequence[AllocationRow]
    unapplied: Decimal
    outstanding_principal_after: Decimal
    next_due_date: date | None
    next_due_amount: Decimal | None
    posted_by: str
    reversed: bool = False
    reversal_of: str | None = None
    currency: str = "CNY"


def _check(data: ReceiptData) -> None:
    if data.amount <= ZERO:
        raise ValueError(f"amount: must be positive, not {data.amount}.")
    if data.unapplied < ZERO:
        raise ValueError(f"unapplied: must not be negative, not {data.unapplied}.")
    for index, row in enumerate(data.allocations):
        for part in ("penalty", "fee", "interest", "principal"):
            if getattr(row, part) < ZERO:
                raise ValueError(f"allocations[{index}].{part}: must not be negative.")
    applied = sum((row.total for row in data.allocations), ZERO)
    if applied + data.unapplied != data.amount:
        raise ValueError(
            f"amount: {data.amount} but the allocations ({applied}) plus unapplied ({data.unapplied}) "
            f"make {applied + data.unapplied}."
        )
    if data.outstanding_principal_after < ZERO:
        raise ValueError("outstanding_principal_after: must not be negative.")
    if (data.next_due_date is None) != (data.next_due_amount is None):
        raise ValueError("next_due_date and next_due_amount: give both or neither.")
    if data.next_due_amount is not None and data.next_due_amount < ZERO:
        raise ValueError("next_due_amount: must not be negative.")


class Stamp(Flowable):
    """A large red boxed mark ("已冲正" / "REVERSED"), centred, as a rubber stamp."""

    def __init__(self, text: str, *, font: str, size: float) -> None:
        super().__init__()
        self.text = text
        self.font = font
        self.size = size
        self.spaceBefore = 4
        self.spaceAfter = 6

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.size * 1.9
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        text_width = pdfmetrics.stringWidth(self.text, self.font, self.size)
        box_width = text_width + self.size * 1.2
        x = (self.width - box_width) / 2
        canvas.saveState()
        canvas.setStrokeColor(RED)
        canvas.setFillColor(RED)
        canvas.setLineWidth(3)
        canvas.roundRect(x, 0, box_width, self.height, 6, stroke=1, fill=0)
        canvas.setLineWidth(0.8)
        canvas.roundRect(x + 4, 4, box_width - 8, self.height - 8, 4, stroke=1, fill=0)
        text = canvas.beginText(x + self.size * 0.6, self.height / 2 - self.size * 0.35)
        text.setFont(self.font, self.size)
        if self.font == CJK_FONT:  # no bold face: fill and stroke the glyphs
            canvas.setLineWidth(self.size * 0.035)
            text.setTextRenderMode(2)
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


def _reversed_mark() -> str:
    return pgettext("receipt", "REVERSED")


class _ReceiptBuilder(DocumentBuilder):
    def __init__(self, data: ReceiptData, language: str, width: float) -> None:
        super().__init__(language, width, data.currency)
        self.data = data

    def number_line(self) -> str:
        return pgettext("receipt", "Receipt No. %(number)s") % {"number": self.data.receipt_number}

    def build(self) -> list[Flowable]:
        data = self.data
        story = self.title(pgettext("receipt", "Repayment Receipt"), self.number_line())
        if data.reversed:
            note = pgettext(
                "receipt", "The repayment on this receipt has been reversed; the receipt is no longer proof of payment."
            )
            story += [
                Stamp(_reversed_mark(), font=self.bold_font, size=STAMP_SIZE),
                self.para(note, ParagraphStyle("stamp-note", parent=self.warning, alignment=TA_CENTER)),
            ]
        if data.reversal_of:
            reverses = pgettext("receipt", "This receipt reverses receipt No. %(number)s.") % {
                "number": data.reversal_of
            }
            story.append(self.para(reverses, self.centered, bold=True))
        story.append(Spacer(1, 6))
        story += self.payment()
        story += self.allocation()
        story += self.after()
        note = pgettext(
            "receipt",
            "This receipt is generated from the posted repayment. Please contact the Lender with any question.",
        )
        story += [Spacer(1, 10), self.para(note, self.small)]
        return story

    def payment(self) -> list[Flowable]:
        data = self.data
        words = None
        if self.chinese and data.currency == "CNY":
            words = pgettext("receipt", "In words: CNY %(words)s") % {"words": rmb_in_words(data.amount)}
        rows = [
            (pgettext("receipt", "Lender"), data.lender.name),
            (pgettext("receipt", "Borrower"), data.borrower_name),
            (pgettext("receipt", "Resident ID number"), mask_id(data.borrower_id_number)),
            (pgettext("receipt", "Contract No."), data.loan_number),
            (pgettext("receipt", "Payment date"), self.date(data.paid_on)),
            (pgettext("receipt", "Channel"), data.channel),
            (pgettext("receipt", "Transaction reference"), data.reference),
            (pgettext("receipt", "Posted by"), data.posted_by),
        ]
        return [
            self.heading(pgettext("receipt", "1. Payment")),
            self.figure_box(pgettext("receipt", "Amount received"), words, self.amount(data.amount), size=AMOUNT_SIZE),
            self.key_value_table(rows),
        ]

    def allocation(self) -> list[Flowable]:
        data = self.data
        note = pgettext(
            "receipt",
            "Applied to penalty interest, then fees, then interest, then principal, the oldest instalment first.",
        )
        story: list[Flowable] = [self.heading(pgettext("receipt", "2. How the payment was applied")), self.para(note)]
        if not data.allocations:
            return [*story, self.para(pgettext("receipt", "Nothing from this payment was applied to an instalment."))]
        rows: list[list[Any]] = [
            [
                pgettext("receipt", "No."),
                pgettext("receipt", "Due date"),
                pgettext("receipt", "Penalty"),
                pgettext("receipt", "Fees"),
                pgettext("receipt", "Interest"),
                pgettext("receipt", "Principal"),
                pgettext("receipt", "Total"),
            ]
        ]
        for row in data.allocations:
            rows.append(
                [
                    str(row.installment_number),
                    row.due_date.isoformat(),
                    format_money(row.penalty),
                    format_money(row.fee),
                    format_money(row.interest),
                    format_money(row.principal),
                    format_money(row.total),
                ]
            )

        def total(part: str) -> Decimal:
            return sum((getattr(row, part) for row in data.allocations), ZERO)

        rows.append(
            [
                pgettext("receipt", "Total"),
                "",
                format_money(total("penalty")),
                format_money(total("fee")),
                format_money(total("interest")),
                format_money(total("principal")),
                format_money(data.amount - data.unapplied),
            ]
        )
        last = len(rows) - 1
        table = self.grid_table(
            rows,
            (0.08, 0.16, 0.14, 0.14, 0.14, 0.16, 0.18),
            numeric_from=2,
            totals=True,
            extra=[("SPAN", (0, last), (1, last))],
        )
        return [*story, self.unit(), Spacer(1, 3), table]

    def after(self) -> list[Flowable]:
        data = self.data
        if data.next_due_date is None or data.next_due_amount is None:
            next_due = pgettext("receipt", "None (the loan is repaid in full)")
        else:
            next_due = pgettext("receipt", "%(amount)s due on %(date)s") % {
                "date": self.date(data.next_due_date),
                "amount": self.amount(data.next_due_amount),
            }
        rows = [
            (pgettext("receipt", "Applied to instalments"), self.amount(data.amount - data.unapplied)),
            (pgettext("receipt", "Unapplied (held as credit for later instalments)"), self.amount(data.unapplied)),
            (
                pgettext("receipt", "Principal outstanding after this payment"),
                self.amount(data.outstanding_principal_after),
            ),
            (pgettext("receipt", "Next payment"), next_due),
        ]
        heading = self.heading(pgettext("receipt", "3. The loan after this payment"))
        return [KeepTogether([heading, self.key_value_table(rows, label_share=0.45)])]


def render_receipt_pdf(data: ReceiptData, *, language: str) -> bytes:
    """The repayment receipt as PDF bytes (A4) in ``language``: "zh-hans" or "en".

    Raises ``ValueError`` for another language or for figures that do not add up (the
    allocations plus the unapplied amount must equal the amount paid). The same data and
    language always give the same bytes.
    """
    check_language(language)
    _check(data)
    with translation.override(language):
        builder = _ReceiptBuilder(data, language, content_width())
        title = pgettext("receipt", "Repayment Receipt")
        return builder.render(
            title=title,
            number=data.receipt_number,
            author=data.lender.name,
            mark=_reversed_mark() if data.reversed else None,
        )
