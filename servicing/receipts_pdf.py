"""Repayment receipts (还款凭证) and loan statements (贷款对账单) as PDF, in Simplified Chinese
or English.

Pure rendering, no Django and no database: :func:`render_receipt_pdf` takes a
:class:`ReceiptData` and :func:`render_statement_pdf` a :class:`StatementData`, and each returns
the PDF's bytes (A4). The caller reads the repayment, its allocations and the loan from the
database and passes plain values.

Fonts, formatters and the page footer come from :mod:`servicing.documents_pdf` (the contract
renderer): Chinese text in reportlab's built-in CID font STSong-Light; English in Helvetica with
any run it cannot encode (a Chinese name, a Chinese description) switched to STSong-Light.
The output is deterministic (reportlab's invariant mode, nothing read from the clock or the
locale): the same data and language always give the same bytes.

Both renderers refuse data that does not add up (``ValueError``), so a receipt or a statement
never contradicts itself: on a receipt the allocations plus the unapplied credit make the amount
paid; on a statement the opening balance plus the charges less the payments make the closing
balance, line by line.

The borrower's ID number is shown masked (first 4 and last 4 characters), as a receipt or a
statement travels by e-mail and app; only the contract shows it in full.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any, Final

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from servicing.documents_pdf import (
    _GRID,
    _PAGE_MARGIN,
    _SHADE,
    _STRIPE,
    _TABLE_SIZE,
    CJK_FONT,
    LANGUAGES,
    LATIN_FONT,
    Party,
    _BoldText,
    _ContractCanvas,
    _DocumentBuilder,
    _has_non_latin,
    _long_date,
    _register_fonts,
    format_apr,
    format_money,
    format_percent,
    rmb_in_words,
)

__all__ = [
    "AllocationRow",
    "Party",
    "ReceiptData",
    "StatementData",
    "StatementLine",
    "render_receipt_pdf",
    "render_statement_pdf",
]

ZERO: Final = Decimal(0)

_AMOUNT_SIZE: Final = 18
_APR_SIZE: Final = 18
_STAMP_SIZE: Final = 30

_RED: Final = colors.HexColor("#c8102e")
_OVERDUE_BACKGROUND: Final = colors.HexColor("#fde8e8")


_LABELS: Final[dict[str, dict[str, Any]]] = {
    "zh-hans": {
        "receipt_title": "还款凭证",
        "receipt_number": "凭证编号：{number}",
        "reversed": "已冲正",
        "reversed_note": "本凭证所载还款已冲正，不再作为还款证明。",
        "reversal_of": "本凭证为对原凭证 {number} 的冲正。",
        "s_payment": "一、还款信息",
        "s_allocation": "二、款项分配",
        "s_after": "三、还款后贷款情况",
        "lender": "贷款人",
        "borrower": "借款人",
        "borrower_id": "身份证号码",
        "loan_number": "合同编号",
        "amount_label": "实收金额",
        "amount_words": "大写：人民币{words}",
        "paid_on": "还款日期",
        "channel": "还款渠道",
        "reference": "交易流水号",
        "posted_by": "经办人",
        "allocation_note": "按罚息、费用、利息、本金的顺序冲抵，先到期的期次先冲抵。",
        "allocation_columns": ("期数", "应还日", "罚息", "费用", "利息", "本金", "合计"),
        "no_allocations": "本次还款未冲抵任何期次。",
        "totals": "合计",
        "applied": "冲抵各期合计",
        "unapplied": "未冲抵金额（挂账，可抵后续应还）",
        "outstanding_after": "还款后剩余本金",
        "next_due": "下期还款",
        "next_due_value": "{date} 应还 {amount}",
        "next_due_none": "无（本息已全部还清）",
        "unit": "金额单位：{currency}",
        "receipt_note": "本凭证由系统根据入账记录生成，如有疑问请联系贷款人。",
        "statement_title": "贷款对账单",
        "statement_number": "对账单编号：{number}",
        "period": "对账期间：{start} 至 {end}",
        "s_account": "一、账户信息",
        "s_summary": "二、贷款概要",
        "s_transactions": "三、本期交易明细",
        "s_schedule": "四、还款计划执行情况",
        "s_overdue": "五、逾期情况",
        "principal": "借款金额",
        "annual_rate": "合同年利率（名义利率）",
        "apr_label": "年化利率（APR）",
        "apr_note": "按内部收益率（IRR）法计算，已包含手续费等全部借款成本。",
        "opening": "期初余额",
        "charges_total": "本期应计（借方）",
        "payments_total": "本期还款（贷方）",
        "closing": "期末余额",
        "transaction_columns": ("日期", "摘要", "应计（借方）", "还款（贷方）", "余额"),
        "no_transactions": "本期无交易。",
        "period_totals": "本期合计",
        "schedule_columns": ("期数", "应还日", "应还金额", "已还金额", "未还金额", "状态"),
        "no_schedule": "无还款计划。",
        "statuses": {
            "due": "待还",
            "paid": "已还清",
            "partially_paid": "部分已还",
            "overdue": "逾期",
            "upcoming": "未到期",
            "waived": "已减免",
        },
        "days_past_due": "逾期天数",
        "days_value": "{days} 天",
        "past_due_amount": "截至期末已到期未还金额",
        "penalty_outstanding": "未还罚息",
        "overdue_none": "截至对账期末，贷款无逾期。",
        "overdue_some": "贷款已逾期 {days} 天。请尽快还款，逾期本金按合同约定按日计收罚息，"
        "逾期信息将依法报送征信机构。",
        "statement_note": "请核对本对账单，如有异议请于收到后 30 日内联系贷款人。",
        "footer_page": "第 {page} 页，共 {pages} 页",
    },
    "en": {
        "receipt_title": "Repayment Receipt",
        "receipt_number": "Receipt No. {number}",
        "reversed": "REVERSED",
        "reversed_note": "The repayment on this receipt has been reversed; the receipt is no longer proof of payment.",
        "reversal_of": "This receipt reverses receipt No. {number}.",
        "s_payment": "1. Payment",
        "s_allocation": "2. How the payment was applied",
        "s_after": "3. The loan after this payment",
        "lender": "Lender",
        "borrower": "Borrower",
        "borrower_id": "Resident ID number",
        "loan_number": "Contract No.",
        "amount_label": "Amount received",
        "amount_words": "",
        "paid_on": "Payment date",
        "channel": "Channel",
        "reference": "Transaction reference",
        "posted_by": "Posted by",
        "allocation_note": "Applied to penalty interest, then fees, then interest, then principal, the oldest "
        "instalment first.",
        "allocation_columns": ("No.", "Due date", "Penalty", "Fees", "Interest", "Principal", "Total"),
        "no_allocations": "Nothing from this payment was applied to an instalment.",
        "totals": "Total",
        "applied": "Applied to instalments",
        "unapplied": "Unapplied (held as credit for later instalments)",
        "outstanding_after": "Principal outstanding after this payment",
        "next_due": "Next payment",
        "next_due_value": "{amount} due on {date}",
        "next_due_none": "None (the loan is repaid in full)",
        "unit": "Amounts in {currency}",
        "receipt_note": "This receipt is generated from the posted repayment. Please contact the Lender with any "
        "question.",
        "statement_title": "Loan Statement",
        "statement_number": "Statement No. {number}",
        "period": "Period: {start} to {end}",
        "s_account": "1. Account",
        "s_summary": "2. Loan summary",
        "s_transactions": "3. Transactions in the period",
        "s_schedule": "4. Repayment schedule status",
        "s_overdue": "5. Overdue summary",
        "principal": "Loan amount",
        "annual_rate": "Nominal annual interest rate",
        "apr_label": "Annual Percentage Rate (APR)",
        "apr_note": "By the IRR method, including the fee and every other cost of the loan.",
        "opening": "Opening balance",
        "charges_total": "Charges in the period",
        "payments_total": "Payments in the period",
        "closing": "Closing balance",
        "transaction_columns": ("Date", "Description", "Charges", "Payments", "Balance"),
        "no_transactions": "No transactions in the period.",
        "period_totals": "Period total",
        "schedule_columns": ("No.", "Due date", "Amount due", "Paid", "Unpaid", "Status"),
        "no_schedule": "No repayment schedule.",
        "statuses": {
            "due": "Due",
            "paid": "Paid",
            "partially_paid": "Partly paid",
            "overdue": "Overdue",
            "upcoming": "Not yet due",
            "waived": "Waived",
        },
        "days_past_due": "Days past due",
        "days_value": "{days} {day_word}",
        "past_due_amount": "Due and unpaid at the end of the period",
        "penalty_outstanding": "Penalty interest outstanding",
        "overdue_none": "No payment is overdue at the end of the period.",
        "overdue_some": "The loan is {days} {day_word} past due. Please pay as soon as possible: penalty interest "
        "accrues daily on overdue principal as the contract provides, and late payment is reported to credit "
        "bureaus as the law allows.",
        "statement_note": "Please check this statement and tell the Lender of any error within 30 days of "
        "receiving it.",
        "footer_page": "Page {page} of {pages}",
    },
}


# --- data -----------------------------------------------------------------------------------


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


# --- checks ---------------------------------------------------------------------------------


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language: must be one of {', '.join(LANGUAGES)}, not {language!r}.")


def _check_receipt(data: ReceiptData) -> None:
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


def _check_statement(data: StatementData) -> None:
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


def _mask_id(value: str) -> str:
    """An ID number with all but the first 4 and last 4 characters starred (short ones: all but
    the last 4)."""
    if len(value) > 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value


# --- flowables ------------------------------------------------------------------------------


class _Stamp(Flowable):
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
        canvas.setStrokeColor(_RED)
        canvas.setFillColor(_RED)
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


# --- shared builder -------------------------------------------------------------------------


class _Builder(_DocumentBuilder):
    """Styles and helpers shared by the receipt and the statement."""

    def __init__(self, language: str, width: float, currency: str) -> None:
        super().__init__(language, width)
        self.labels = _LABELS[language]  # this module's labels, not the contract's
        self.currency = currency
        self.table_cell = ParagraphStyle("table", parent=self.cell, fontSize=_TABLE_SIZE, leading=_TABLE_SIZE * 1.25)
        self.warning = ParagraphStyle("warning", parent=self.body, textColor=_RED)

    def title(self, text: str, number_line: str) -> list[Flowable]:
        return [
            _BoldText(text, font=self.bold_font, size=20, align="center", space_after=4),
            self.para(number_line, self.centered),
        ]

    def amount(self, value: Decimal) -> str:
        if self.currency == "CNY":
            return f"人民币 {format_money(value)} 元" if self.chinese else f"CNY {format_money(value)}"
        return f"{self.currency} {format_money(value)}"

    def date(self, value: date) -> str:
        return _long_date(value, self.language)

    def unit(self) -> Paragraph:
        currency = "人民币元" if self.chinese and self.currency == "CNY" else self.currency
        return self.para(self.labels["unit"].format(currency=currency), self.small)

    def days(self, days: int, key: str) -> str:
        return self.labels[key].format(days=days, day_word="day" if days == 1 else "days")

    def grid_table(
        self,
        rows: list[list[Any]],
        shares: Sequence[float],
        *,
        numeric_from: int,
        totals: bool,
        extra: Sequence[tuple[Any, ...]] = (),
    ) -> Table:
        """A ruled table: a shaded header row (repeated on each page), striped body rows,
        right-aligned figures from column ``numeric_from`` on and, with ``totals``, a bold last
        row."""
        last = len(rows) - 1
        style: list[tuple[Any, ...]] = [
            ("FONTSIZE", (0, 0), (-1, -1), _TABLE_SIZE),
            ("LEADING", (0, 0), (-1, -1), _TABLE_SIZE * 1.2),
            ("FONTNAME", (0, 0), (-1, 0), self.bold_font),
            ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
            ("ALIGN", (0, 0), (numeric_from - 1, -1), "CENTER"),
            ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        body_end = last - 1 if totals else last
        style += [("BACKGROUND", (0, row), (-1, row), _STRIPE) for row in range(2, body_end + 1, 2)]
        if totals:
            style += [
                ("LINEABOVE", (0, last), (-1, last), 1, colors.black),
                ("FONTNAME", (0, last), (-1, last), self.bold_font),
                ("BACKGROUND", (0, last), (-1, last), _SHADE),
            ]
        style += list(extra)
        table = Table(rows, colWidths=[self.width * share for share in shares], repeatRows=1)
        table.setStyle(self.table_style(style))
        return table

    def footer(self, left: str, *, mark: str | None = None) -> Any:
        labels = self.labels

        def draw(canvas: Canvas, page: int, pages: int) -> None:
            right = labels["footer_page"].format(page=page, pages=pages)
            page_width, page_height = A4
            y = _PAGE_MARGIN * 0.55
            canvas.saveState()
            if mark and page > 1:
                # The big stamp is on page 1; later pages carry a small one in the top margin.
                size = 12
                text_width = pdfmetrics.stringWidth(mark, self.bold_font, size)
                x = page_width - _PAGE_MARGIN - text_width - 12
                top = page_height - _PAGE_MARGIN * 0.45
                canvas.setStrokeColor(_RED)
                canvas.setFillColor(_RED)
                canvas.setLineWidth(1.5)
                canvas.rect(x, top - size * 1.6, text_width + 12, size * 1.6, stroke=1, fill=0)
                canvas.setFont(self.bold_font, size)
                canvas.drawString(x + 6, top - size * 1.15, mark)
            canvas.setStrokeColor(_GRID)
            canvas.setLineWidth(0.5)
            canvas.line(_PAGE_MARGIN, y + 11, page_width - _PAGE_MARGIN, y + 11)
            canvas.setFillColor(colors.HexColor("#444444"))
            canvas.setFont(CJK_FONT if self.chinese or _has_non_latin(left) else LATIN_FONT, 8)
            canvas.drawString(_PAGE_MARGIN, y, left)
            canvas.setFont(self.font, 8)
            canvas.drawRightString(page_width - _PAGE_MARGIN, y, right)
            canvas.restoreState()

        return draw


# --- the receipt ----------------------------------------------------------------------------


class _ReceiptBuilder(_Builder):
    def __init__(self, data: ReceiptData, language: str, width: float) -> None:
        super().__init__(language, width, data.currency)
        self.data = data

    def build(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        story = self.title(labels["receipt_title"], labels["receipt_number"].format(number=data.receipt_number))
        if data.reversed:
            story += [
                _Stamp(labels["reversed"], font=self.bold_font, size=_STAMP_SIZE),
                self.para(
                    labels["reversed_note"], ParagraphStyle("stamp-note", parent=self.warning, alignment=TA_CENTER)
                ),
            ]
        if data.reversal_of:
            story.append(self.para(labels["reversal_of"].format(number=data.reversal_of), self.centered, bold=True))
        story.append(Spacer(1, 6))
        story += self.payment()
        story += self.allocation()
        story += self.after()
        story += [Spacer(1, 10), self.para(labels["receipt_note"], self.small)]
        return story

    def payment(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        words = None
        if self.chinese and data.currency == "CNY":
            words = labels["amount_words"].format(words=rmb_in_words(data.amount))
        rows = [
            (labels["lender"], data.lender.name),
            (labels["borrower"], data.borrower_name),
            (labels["borrower_id"], _mask_id(data.borrower_id_number)),
            (labels["loan_number"], data.loan_number),
            (labels["paid_on"], self.date(data.paid_on)),
            (labels["channel"], data.channel),
            (labels["reference"], data.reference),
            (labels["posted_by"], data.posted_by),
        ]
        figure = self.amount(data.amount)
        return [
            self.heading(labels["s_payment"]),
            self.figure_box(labels["amount_label"], words, figure, size=_AMOUNT_SIZE),
            self.key_value_table(rows),
        ]

    def allocation(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        story: list[Flowable] = [self.heading(labels["s_allocation"]), self.para(labels["allocation_note"])]
        if not data.allocations:
            return [*story, self.para(labels["no_allocations"])]
        rows: list[list[Any]] = [list(labels["allocation_columns"])]
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
                labels["totals"],
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
        labels, data = self.labels, self.data
        if data.next_due_date is None or data.next_due_amount is None:
            next_due = labels["next_due_none"]
        else:
            next_due = labels["next_due_value"].format(
                date=self.date(data.next_due_date), amount=self.amount(data.next_due_amount)
            )
        rows = [
            (labels["applied"], self.amount(data.amount - data.unapplied)),
            (labels["unapplied"], self.amount(data.unapplied)),
            (labels["outstanding_after"], self.amount(data.outstanding_principal_after)),
            (labels["next_due"], next_due),
        ]
        return [KeepTogether([self.heading(labels["s_after"]), self.key_value_table(rows, label_share=0.45)])]


# --- the statement --------------------------------------------------------------------------


class _StatementBuilder(_Builder):
    def __init__(self, data: StatementData, language: str, width: float) -> None:
        super().__init__(language, width, data.currency)
        self.data = data

    def build(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        story = self.title(labels["statement_title"], labels["statement_number"].format(number=data.statement_number))
        period = labels["period"].format(start=self.date(data.period_start), end=self.date(data.period_end))
        story += [self.para(period, self.centered, bold=True), Spacer(1, 6)]
        story += self.account()
        story += self.summary()
        story += self.transactions()
        story += self.schedule()
        story += self.overdue()
        story += [Spacer(1, 10), self.para(labels["statement_note"], self.small)]
        return story

    def account(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        rows = [
            (labels["lender"], data.lender.name),
            (labels["borrower"], data.borrower_name),
            (labels["borrower_id"], _mask_id(data.borrower_id_number)),
            (labels["loan_number"], data.loan_number),
        ]
        return [self.heading(labels["s_account"]), self.key_value_table(rows)]

    def summary(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        charges = sum((line.debit for line in data.lines), ZERO)
        payments = sum((line.credit for line in data.lines), ZERO)
        rows = [
            (labels["principal"], self.amount(data.principal)),
            (labels["annual_rate"], format_percent(data.annual_rate)),
            (labels["opening"], self.amount(data.opening_balance)),
            (labels["charges_total"], self.amount(charges)),
            (labels["payments_total"], self.amount(payments)),
            (labels["closing"], self.amount(data.closing_balance)),
        ]
        return [
            self.heading(labels["s_summary"]),
            self.figure_box(labels["apr_label"], labels["apr_note"], format_apr(data.apr), size=_APR_SIZE),
            self.key_value_table(rows),
        ]

    def transactions(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        header = [self.heading(labels["s_transactions"]), self.unit(), Spacer(1, 3)]
        rows: list[list[Any]] = [
            list(labels["transaction_columns"]),
            [
                data.period_start.isoformat(),
                self.para(labels["opening"], self.table_cell),
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
            rows.append(["", self.para(labels["no_transactions"], self.table_cell), "", "", ""])
        charges = sum((line.debit for line in data.lines), ZERO)
        payments = sum((line.credit for line in data.lines), ZERO)
        rows.append(
            [
                data.period_end.isoformat(),
                self.para(
                    labels["closing"] + (" / " if not self.chinese else "／") + labels["period_totals"],
                    self.table_cell,
                    bold=True,
                ),
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

    def status(self, status: str) -> str:
        return self.labels["statuses"].get(status.strip().lower(), status)

    def schedule(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        story: list[Flowable] = [self.heading(labels["s_schedule"])]
        if not data.schedule_rows:
            return [*story, self.para(labels["no_schedule"])]
        rows: list[list[Any]] = [list(labels["schedule_columns"])]
        extra: list[tuple[Any, ...]] = []
        for index, (number, due_date, due, paid, status) in enumerate(data.schedule_rows, start=1):
            rows.append(
                [
                    str(number),
                    due_date.isoformat(),
                    format_money(due),
                    format_money(paid),
                    format_money(max(due - paid, ZERO)),
                    self.para(self.status(status), self.table_cell),
                ]
            )
            if status.strip().lower() == "overdue":
                extra += [("BACKGROUND", (0, index), (-1, index), _OVERDUE_BACKGROUND)]
        table = self.grid_table(rows, (0.08, 0.17, 0.19, 0.19, 0.19, 0.18), numeric_from=2, totals=False, extra=extra)
        return [*story, self.unit(), Spacer(1, 3), table]

    def overdue(self) -> list[Flowable]:
        labels, data = self.labels, self.data
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
            (labels["days_past_due"], self.days(data.days_past_due, "days_value")),
            (labels["past_due_amount"], self.amount(past_due)),
            (labels["penalty_outstanding"], self.amount(data.penalty_outstanding)),
        ]
        if data.days_past_due > 0:
            message = self.para(self.days(data.days_past_due, "overdue_some"), self.warning, bold=True)
        else:
            message = self.para(labels["overdue_none"])
        return [
            KeepTogether(
                [self.heading(labels["s_overdue"]), message, Spacer(1, 4), self.key_value_table(rows, label_share=0.45)]
            )
        ]


# --- rendering ------------------------------------------------------------------------------


def _render(story: list[Flowable], footer: Any, *, language: str, title: str, author: str, subject: str) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_PAGE_MARGIN,
        rightMargin=_PAGE_MARGIN,
        topMargin=_PAGE_MARGIN,
        bottomMargin=_PAGE_MARGIN + 6 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Microloan",
        producer="Microloan",
        # The canvas names its initial font on every page: keep Helvetica out of the Chinese PDF.
        initialFontName=CJK_FONT if language == "zh-hans" else LATIN_FONT,
        invariant=1,
    )
    document.build(story, canvasmaker=functools.partial(_ContractCanvas, footer=footer))
    return buffer.getvalue()


def _content_width() -> float:
    # The frame keeps 6 pt of padding on each side: flowables get the width inside it.
    return A4[0] - 2 * _PAGE_MARGIN - 12


def render_receipt_pdf(data: ReceiptData, *, language: str) -> bytes:
    """The repayment receipt as PDF bytes (A4) in ``language``: "zh-hans" or "en".

    Raises ``ValueError`` for another language or for figures that do not add up (the
    allocations plus the unapplied amount must equal the amount paid). The same data and
    language always give the same bytes.
    """
    _check_language(language)
    _check_receipt(data)
    _register_fonts()
    builder = _ReceiptBuilder(data, language, _content_width())
    labels = builder.labels
    footer = builder.footer(
        labels["receipt_number"].format(number=data.receipt_number),
        mark=labels["reversed"] if data.reversed else None,
    )
    return _render(
        builder.build(),
        footer,
        language=language,
        title=f"{labels['receipt_title']} {data.receipt_number}",
        author=data.lender.name,
        subject=labels["receipt_title"],
    )


def render_statement_pdf(data: StatementData, *, language: str) -> bytes:
    """The loan statement as PDF bytes (A4) in ``language``: "zh-hans" or "en".

    Raises ``ValueError`` for another language or for figures that do not add up (opening
    balance + charges - payments must equal the closing balance, and each line's balance the
    running balance). The same data and language always give the same bytes.
    """
    _check_language(language)
    _check_statement(data)
    _register_fonts()
    builder = _StatementBuilder(data, language, _content_width())
    labels = builder.labels
    footer = builder.footer(labels["statement_number"].format(number=data.statement_number))
    return _render(
        builder.build(),
        footer,
        language=language,
        title=f"{labels['statement_title']} {data.statement_number}",
        author=data.lender.name,
        subject=labels["statement_title"],
    )
