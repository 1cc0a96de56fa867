"""The loan contract (借款合同) as a PDF, in Simplified Chinese or English.

Pure Python, no Django: :func:`render_contract_pdf` takes a :class:`ContractData` (the
parties, the terms and the :class:`~microloan.lending.schedule.Schedule` built by
:func:`~microloan.lending.schedule.build_schedule`) and returns the PDF's bytes.

The output is deterministic (reportlab's invariant mode, nothing read from the clock or the
locale), so the same data always gives the same bytes and a stored SHA-256 of a contract
can be checked by rendering it again.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1, UniGB-UCS2-H):
nothing is embedded or downloaded, every PDF viewer has a substitute for it, and text
extraction maps it back to Unicode. The English version is set in Helvetica, with any run
of characters Helvetica cannot encode (a Chinese name or address) switched to STSong-Light.

The APR (annualised rate by the IRR method, fees included) is shown in a boxed, bold figure
larger than any other rate in the document, as the People's Bank of China's 2021
announcement No. 3 requires.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from microloan.lending.schedule import Schedule

LANGUAGES: Final = ("zh-hans", "en")

CJK_FONT: Final = "STSong-Light"
LATIN_FONT: Final = "Helvetica"
LATIN_BOLD_FONT: Final = "Helvetica-Bold"

CENT: Final = Decimal("0.01")
_PAGE_MARGIN: Final = 18 * mm
_BODY_SIZE: Final = 9.5
_TABLE_SIZE: Final = 8.5
# The APR figure: larger than every other rate on the page (they are all body size).
_APR_SIZE: Final = 20
_APR_LABEL_SIZE: Final = 13

_GRID: Final = colors.HexColor("#9a9a9a")
_SHADE: Final = colors.HexColor("#eef1f5")
_STRIPE: Final = colors.HexColor("#f7f8fa")
_APR_BACKGROUND: Final = colors.HexColor("#fff4d6")

_MONTHS_EN: Final = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_LABELS: Final[dict[str, dict[str, Any]]] = {
    "zh-hans": {
        "title": "借款合同",
        "number": "合同编号：{number}（第 {version} 版）",
        "intro": "贷款人与借款人经平等协商，就借款事宜订立本合同，双方共同遵守。",
        "s_parties": "一、合同当事人",
        "s_terms": "二、借款要素",
        "s_penalty": "三、逾期与罚息",
        "s_schedule": "四、还款计划表",
        "s_clauses": "五、一般条款",
        "s_signatures": "六、签署",
        "lender": "贷款人（甲方）",
        "borrower": "借款人（乙方）",
        "lender_name": "名称",
        "lender_id": "统一社会信用代码",
        "lender_address": "住所",
        "branch": "经办机构",
        "borrower_name": "姓名",
        "borrower_id": "身份证号码",
        "borrower_address": "住址",
        "phone": "联系电话",
        "guarantors": "保证人",
        "guarantor_separator": "、",
        "product": "贷款产品",
        "principal": "借款金额",
        "fee": "手续费（放款时一次性扣收）",
        "net": "实际到账金额（借款金额－手续费）",
        "term": "借款期限",
        "term_value": "{term} 期（{frequency}）",
        "frequencies": {"monthly": "按月还款", "biweekly": "每两周还款", "weekly": "每周还款"},
        "disbursement": "计划放款日",
        "disbursement_unknown": "以实际放款日为准",
        "first_due": "首期还款日",
        "maturity": "到期日（末期还款日）",
        "method": "还款方式",
        "methods": {
            "annuity": "等额本息",
            "equal_principal": "等额本金",
            "interest_only": "按期付息、到期还本",
            "flat": "等本等息",
        },
        "annual_rate": "合同年利率（名义利率）",
        "purpose": "借款用途",
        "total_interest": "利息总额",
        "total_payable": "应还本息总额",
        "cost": "借款总成本（利息 + 手续费）",
        "apr_label": "年化利率（APR）",
        "apr_note": "按内部收益率（IRR）法计算的年化利率，已包含手续费等借款人须支付的全部借款成本"
        "（依据中国人民银行公告〔2021〕第 3 号）。",
        "penalty_intro": "借款人未按还款计划表按期足额还款的，逾期本金自逾期之日起按日计收罚息，直至清偿之日止。",
        "penalty_rate": "罚息年利率",
        "penalty_daily": "罚息日利率（年利率 ÷ 360）",
        "grace": "宽限期",
        "grace_value": "到期日后 {days} 天（宽限期内足额还款的，不计罚息）",
        "grace_none": "无",
        "schedule_note_planned": "下表按计划放款日 {date} 编制。实际放款日与计划不同的，各期还款日按相同规则"
        "自实际放款日起确定，各期应还金额不变。",
        "schedule_note_unknown": "各期还款日自实际放款日起按上述还款频率确定，各期应还金额不变。",
        "unit": "金额单位：{currency}",
        "columns": ("期数", "还款日", "应还本金", "应还利息", "应还合计", "剩余本金"),
        "totals": "合计",
        "clauses": (
            "还款义务：借款人应按本合同还款计划表，于每期还款日或之前足额偿还当期本金和利息。",
            "提前还款：借款人可随时提前偿还部分或全部借款；提前结清的，应付金额以贷款人按实际还款日出具的"
            "结清金额为准，利息计至实际还款日。",
            "逾期后果：借款人逾期还款的，贷款人有权按本合同第三条计收罚息，并依法催收。贷款人的催收行为"
            "遵守法律法规和行业规范，不向保证人以外的第三方披露借款人的债务信息。",
            "征信：借款人同意贷款人依法向金融信用信息基础数据库等征信机构查询和报送其信用信息，"
            "包括本合同项下的逾期信息。",
            "争议解决：因本合同产生的争议，双方应协商解决；协商不成的，任何一方均可向贷款人所在地有管辖权的"
            "人民法院提起诉讼。",
            "合同生效：本合同自贷款人盖章、借款人签字之日起生效，还款计划表是本合同的组成部分。",
        ),
        "sign_lender": "贷款人（盖章）：{name}",
        "sign_lender_rep": "法定代表人或授权代表（签字）：",
        "sign_borrower": "借款人（签字）：{name}",
        "sign_guarantor": "保证人（签字）：{name}",
        "sign_line": "________________________",
        "sign_date": "日期：________年____月____日",
        "signed_at": "已签署：{when}",
        "footer_number": "合同编号：{number}",
        "footer_page": "第 {page} 页，共 {pages} 页",
    },
    "en": {
        "title": "Loan Contract",
        "number": "Contract No. {number} (version {version})",
        "intro": "The Lender and the Borrower, having consulted on an equal footing, agree on the loan "
        "below and will both abide by this contract.",
        "s_parties": "1. Parties",
        "s_terms": "2. Loan terms",
        "s_penalty": "3. Late payment and penalty interest",
        "s_schedule": "4. Repayment schedule",
        "s_clauses": "5. General terms",
        "s_signatures": "6. Signatures",
        "lender": "Lender (Party A)",
        "borrower": "Borrower (Party B)",
        "lender_name": "Name",
        "lender_id": "Unified social credit code",
        "lender_address": "Registered address",
        "branch": "Branch",
        "borrower_name": "Name",
        "borrower_id": "Resident ID number",
        "borrower_address": "Address",
        "phone": "Phone",
        "guarantors": "Guarantors",
        "guarantor_separator": ", ",
        "product": "Product",
        "principal": "Loan amount",
        "fee": "Upfront fee (deducted at disbursement)",
        "net": "Amount paid out (loan amount - fee)",
        "term": "Term",
        "term_value": "{term} {instalments}, {frequency}",
        "frequencies": {"monthly": "monthly", "biweekly": "every two weeks", "weekly": "weekly"},
        "disbursement": "Planned disbursement date",
        "disbursement_unknown": "the actual disbursement date",
        "first_due": "First due date",
        "maturity": "Maturity (last due date)",
        "method": "Repayment method",
        "methods": {
            "annuity": "Equal instalments (annuity)",
            "equal_principal": "Equal principal",
            "interest_only": "Interest only with principal at maturity",
            "flat": "Flat",
        },
        "annual_rate": "Nominal annual interest rate",
        "purpose": "Purpose",
        "total_interest": "Total interest",
        "total_payable": "Total repayable (principal + interest)",
        "cost": "Total cost of credit (interest + fee)",
        "apr_label": "Annual Percentage Rate (APR)",
        "apr_note": "The annualised rate by the IRR (internal rate of return) method, including the fee "
        "and every other cost of the loan to the Borrower (PBOC announcement No. 3 [2021]).",
        "penalty_intro": "If the Borrower does not pay an instalment in full by its due date, penalty "
        "interest accrues daily on the overdue principal from the day it becomes overdue until it is paid.",
        "penalty_rate": "Annual penalty rate",
        "penalty_daily": "Daily penalty rate (annual rate / 360)",
        "grace": "Grace period",
        "grace_value": "{days} {day_word} after the due date (no penalty interest if paid in full within it)",
        "grace_none": "None",
        "schedule_note_planned": "This schedule assumes disbursement on {date}. If the loan is paid out on "
        "another date, the due dates follow from the actual disbursement date by the same rules and the "
        "amounts stay the same.",
        "schedule_note_unknown": "The due dates follow from the actual disbursement date at the frequency "
        "above; the amounts stay the same.",
        "unit": "Amounts in {currency}",
        "columns": ("No.", "Due date", "Principal", "Interest", "Total", "Balance"),
        "totals": "Total",
        "clauses": (
            "Repayment: the Borrower shall pay each instalment of principal and interest in full on or "
            "before its due date, as set out in the repayment schedule.",
            "Early repayment: the Borrower may repay part or all of the loan early at any time; to repay in "
            "full, the Borrower pays the payoff amount the Lender quotes for the actual payment date, with "
            "interest up to that date.",
            "Late payment: if the Borrower pays late, the Lender may charge penalty interest under clause 3 "
            "and pursue collection by lawful means. The Lender follows the law and industry rules in "
            "collection and does not disclose the debt to third parties other than guarantors.",
            "Credit reporting: the Borrower agrees that the Lender may, as the law allows, query and report "
            "the Borrower's credit information, including any late payment under this contract, to the "
            "Credit Reference Center and other credit bureaus.",
            "Disputes: the parties shall try to settle any dispute arising from this contract by "
            "negotiation; failing that, either party may sue in the competent people's court where the "
            "Lender is domiciled.",
            "Effect: this contract takes effect when sealed by the Lender and signed by the Borrower; the "
            "repayment schedule forms part of it.",
        ),
        "sign_lender": "Lender (seal): {name}",
        "sign_lender_rep": "Legal or authorised representative (signature):",
        "sign_borrower": "Borrower (signature): {name}",
        "sign_guarantor": "Guarantor (signature): {name}",
        "sign_line": "______________________________",
        "sign_date": "Date: ____________________",
        "signed_at": "Signed at {when}",
        "footer_number": "Contract No. {number}",
        "footer_page": "Page {page} of {pages}",
    },
}


@dataclass(frozen=True)
class Party:
    """A party to the contract. For the lender, ``id_number`` is its unified social credit
    code (or licence number); for a person, the full resident ID number (a contract shows
    it unmasked)."""

    name: str
    id_number: str
    address: str
    phone: str


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


# --- formatting -----------------------------------------------------------------------------


def format_money(value: Decimal) -> str:
    """5000 -> "5,000.00": thousands separators, 2 places, half-up."""
    return format(value.quantize(CENT, rounding=ROUND_HALF_UP) + Decimal("0.00"), ",.2f")


def format_percent(rate: Decimal, *, min_places: int = 2, max_places: int = 4) -> str:
    """A fraction as a percentage: 0.18 -> "18.00%", 0.00075 -> "0.075%" (half-up at
    ``max_places``, trailing zeros dropped down to ``min_places``)."""
    value = (rate * 100).quantize(Decimal(1).scaleb(-max_places), rounding=ROUND_HALF_UP)
    text = format(value + Decimal(0).scaleb(-max_places), "f")
    whole, _, places = text.partition(".")
    places = places.rstrip("0").ljust(min_places, "0")
    return f"{whole}.{places}%" if places else f"{whole}%"


def format_apr(apr: Decimal) -> str:
    """The APR as the contract shows it: a percentage with exactly 2 places ("18.00%")."""
    return format_percent(apr, min_places=2, max_places=2)


_DIGITS_ZH: Final = "零壹贰叁肆伍陆柒捌玖"
_PLACES_ZH: Final = ("", "拾", "佰", "仟")
_GROUPS_ZH: Final = ("", "万", "亿", "万亿")


def rmb_in_words(amount: Decimal) -> str:
    """An amount of yuan in the capital numerals of Chinese financial documents (大写):
    5000 -> "伍仟元整", 100005.30 -> "壹拾万零伍元叁角整", 1000.05 -> "壹仟元零伍分"."""
    cents = int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)
    if cents < 0 or cents >= 10**18:
        raise ValueError(f"amount out of range: {amount}")
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if cents == 0:
        return "零元整"

    words: list[str] = []
    if yuan:
        groups = []
        while yuan:
            yuan, group = divmod(yuan, 10000)
            groups.append(group)
        pending_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                pending_zero = bool(words)
                continue
            for place in range(3, -1, -1):
                digit = group // 10**place % 10
                if digit == 0:
                    pending_zero = pending_zero or bool(words)
                    continue
                if pending_zero:
                    words.append("零")
                    pending_zero = False
                words.append(_DIGITS_ZH[digit] + _PLACES_ZH[place])
            words.append(_GROUPS_ZH[index])
        words.append("元")
    if jiao:
        words.append(_DIGITS_ZH[jiao] + "角")
    elif fen and words:
        words.append("零")
    if fen:
        words.append(_DIGITS_ZH[fen] + "分")
    else:
        words.append("整")
    return "".join(words)


def _long_date(value: date, language: str) -> str:
    if language == "zh-hans":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"


def _utc_offset(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _date_time(value: datetime, language: str) -> str:
    """The date and time as given (the caller converts to local time); an aware datetime
    also shows its UTC offset, so the moment is unambiguous."""
    text = f"{_long_date(value.date(), language)} {value:%H:%M}"
    offset = value.utcoffset()
    if offset is not None:
        text += f"（{_utc_offset(offset)}）" if language == "zh-hans" else f" ({_utc_offset(offset)})"
    return text


# --- fonts and text -------------------------------------------------------------------------


@functools.cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    # A CID font has no bold face: map <b> to the same font so mixed markup never fails.
    pdfmetrics.registerFontFamily(CJK_FONT, normal=CJK_FONT, bold=CJK_FONT, italic=CJK_FONT, boldItalic=CJK_FONT)


def _latin_encodable(char: str) -> bool:
    # The standard Type 1 fonts are set in WinAnsi (cp1252) encoding.
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _has_non_latin(text: str) -> bool:
    return not all(_latin_encodable(char) for char in text)


def _mixed_markup(text: str) -> str:
    """Paragraph markup for ``text`` in a Latin font, with every run of characters the font
    cannot encode set in the CJK font."""
    out: list[str] = []
    run: list[str] = []
    run_is_latin = True
    for char in text:
        latin = _latin_encodable(char)
        if run and latin != run_is_latin:
            out.append(_run_markup("".join(run), run_is_latin))
            run = []
        run_is_latin = latin
        run.append(char)
    if run:
        out.append(_run_markup("".join(run), run_is_latin))
    return "".join(out)


def _run_markup(run: str, latin: bool) -> str:
    return escape(run) if latin else f'<font face="{CJK_FONT}">{escape(run)}</font>'


class _BoldText(Flowable):
    """One line of bold text. STSong-Light has no bold face, so for it the glyphs are
    filled and stroked (PDF text render mode 2), which thickens them like a bold."""

    def __init__(self, text: str, *, font: str, size: float, align: str = "left", space_after: float = 0) -> None:
        super().__init__()
        self.text = text
        self.font = font
        self.size = size
        self.align = align
        self.spaceAfter = space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.height = self.size * 1.25
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        text_width = pdfmetrics.stringWidth(self.text, self.font, self.size)
        x = {"left": 0, "center": (self.width - text_width) / 2, "right": self.width - text_width}[self.align]
        canvas.saveState()
        text = canvas.beginText(x, self.size * 0.25)
        text.setFont(self.font, self.size)
        if self.font == CJK_FONT:
            canvas.setLineWidth(self.size * 0.035)
            text.setTextRenderMode(2)
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


class _ContractCanvas(Canvas):
    """A canvas that holds the pages back until the end, so the footer can say "page N of
    M" (a contract shows its page count, so a page cannot go missing unnoticed)."""

    def __init__(self, *args: Any, footer: Callable[[Canvas, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._footer(self, number, total)
            super().showPage()
        super().save()


# --- the document ---------------------------------------------------------------------------


class _DocumentBuilder:
    """Fonts, styles and text/table helpers every document of ours shares (the contract here,
    receipts and statements in servicing.receipts_pdf)."""

    def __init__(self, language: str, width: float) -> None:
        self.language = language
        self.labels = _LABELS[language]
        self.width = width
        self.chinese = language == "zh-hans"
        self.font = CJK_FONT if self.chinese else LATIN_FONT
        self.bold_font = CJK_FONT if self.chinese else LATIN_BOLD_FONT
        wrap = "CJK" if self.chinese else None
        self.body = ParagraphStyle(
            "body", fontName=self.font, fontSize=_BODY_SIZE, leading=_BODY_SIZE * 1.5, wordWrap=wrap
        )
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=_BODY_SIZE, leading=_BODY_SIZE * 1.35)
        self.label = ParagraphStyle("label", parent=self.cell, textColor=colors.HexColor("#333333"))
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=11)
        self.centered = ParagraphStyle("centered", parent=self.body, alignment=TA_CENTER)
        self._cjk_variants: dict[str, ParagraphStyle] = {}

    def para(self, text: str, style: ParagraphStyle | None = None, *, bold: bool = False) -> Paragraph:
        style = style or self.body
        if self.chinese:
            markup = escape(text)
        else:
            markup = _mixed_markup(text)
            if _has_non_latin(text):
                # Chinese has no spaces to break at: wrap such text character by character.
                style = self._cjk_variant(style)
        if bold and not self.chinese:
            markup = f"<b>{markup}</b>"
        return Paragraph(markup, style)

    def _cjk_variant(self, style: ParagraphStyle) -> ParagraphStyle:
        if style.name not in self._cjk_variants:
            self._cjk_variants[style.name] = ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")
        return self._cjk_variants[style.name]

    def heading(self, text: str) -> Flowable:
        flowable = _BoldText(text, font=self.bold_font, size=12, space_after=4)
        flowable.spaceBefore = 10
        flowable.keepWithNext = True
        return flowable

    def table_style(self, commands: Sequence[tuple[Any, ...]]) -> TableStyle:
        # Every cell in the document's font: even an empty cell names a font on the page, and
        # the table's default is Helvetica.
        return TableStyle([("FONTNAME", (0, 0), (-1, -1), self.font), *commands])

    def key_value_table(self, rows: Sequence[tuple[str, str]], *, label_share: float = 0.36) -> Table:
        label_width = self.width * label_share
        table = Table(
            [[self.para(label, self.label), self.para(value, self.cell)] for label, value in rows],
            colWidths=[label_width, self.width - label_width],
        )
        table.setStyle(
            self.table_style(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
                    ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table


    def figure_box(self, label: str, note: str | None, figure: str, *, size: float, label_size: float = 12,
                   left_share: float = 0.52, space_after: float = 6) -> Flowable:
        """A boxed, shaded label (and note) with a large bold figure on the right: the APR of a
        contract or a statement, the amount of a receipt."""
        left: list[Flowable] = [_BoldText(label, font=self.bold_font, size=label_size, space_after=3)]
        if note:
            left.append(self.para(note, self.small))
        right = _BoldText(figure, font=self.bold_font, size=size, align="right")
        left_width = self.width * left_share
        box = Table([[left, right]], colWidths=[left_width, self.width - left_width])
        box.setStyle(
            self.table_style(
                [
                    ("BOX", (0, 0), (-1, -1), 1.8, colors.black),
                    ("BACKGROUND", (0, 0), (-1, -1), _APR_BACKGROUND),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 12),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
        return KeepTogether([box, Spacer(1, space_after)])

class _ContractBuilder(_DocumentBuilder):
    def __init__(self, data: ContractData, language: str, width: float) -> None:
        super().__init__(language, width)
        self.data = data

    def amount(self, value: Decimal) -> str:
        if self.data.currency == "CNY":
            if self.chinese:
                return f"人民币 {format_money(value)} 元"
            return f"CNY {format_money(value)}"
        return f"{self.data.currency} {format_money(value)}"

    def when(self, value: date | None) -> str:
        return self.labels["disbursement_unknown"] if value is None else _long_date(value, self.language)

    # Sections.

    def build(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        story: list[Flowable] = [
            _BoldText(labels["title"], font=self.bold_font, size=20, align="center", space_after=4),
            self.para(labels["number"].format(number=data.contract_number, version=data.version), self.centered),
            Spacer(1, 8),
            self.para(labels["intro"]),
        ]
        story += self.parties()
        story += self.terms()
        story += self.penalty()
        story += self.schedule()
        story += self.clauses()
        story += self.signatures()
        return story

    def parties(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        lender, borrower = data.lender, data.borrower
        rows: list[tuple[str, str] | str] = [
            labels["lender"],
            (labels["lender_name"], lender.name),
            (labels["lender_id"], lender.id_number),
            (labels["lender_address"], lender.address),
            (labels["phone"], lender.phone),
            (labels["branch"], data.branch_name),
            labels["borrower"],
            (labels["borrower_name"], borrower.name),
            (labels["borrower_id"], borrower.id_number),
            (labels["borrower_address"], borrower.address),
            (labels["phone"], borrower.phone),
        ]
        if data.guarantors:
            rows += [(labels["guarantors"], labels["guarantor_separator"].join(data.guarantors))]

        cells: list[list[Any]] = []
        style: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), 0.5, _GRID),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        for index, row in enumerate(rows):
            if isinstance(row, str):  # a party's heading row across both columns
                cells.append([self.para(row, self.cell, bold=True), ""])
                style += [("SPAN", (0, index), (1, index)), ("BACKGROUND", (0, index), (1, index), _SHADE)]
            else:
                cells.append([self.para(row[0], self.label), self.para(row[1], self.cell)])
        label_width = self.width * 0.3
        table = Table(cells, colWidths=[label_width, self.width - label_width])
        table.setStyle(self.table_style(style))
        return [self.heading(labels["s_parties"]), table]

    def apr_box(self) -> Flowable:
        labels = self.labels
        return self.figure_box(labels["apr_label"], labels["apr_note"], format_apr(self.data.apr), size=_APR_SIZE,
                               label_size=_APR_LABEL_SIZE, left_share=0.66, space_after=8)

    def terms(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        schedule = data.schedule
        installments = schedule.installments
        term_text = labels["term_value"].format(
            term=data.term,
            instalments="instalment" if data.term == 1 else "instalments",
            frequency=labels["frequencies"].get(data.frequency, data.frequency),
        )
        principal_text = self.amount(data.principal)
        if self.chinese and data.currency == "CNY":
            principal_text += f"（大写：人民币{rmb_in_words(data.principal)}）"
        rows = [
            (labels["product"], data.product_name),
            (labels["principal"], principal_text),
            (labels["fee"], self.amount(data.fee)),
            (labels["net"], self.amount(data.principal - data.fee)),
            (labels["term"], term_text),
            (labels["method"], labels["methods"].get(data.method, data.method)),
            (labels["disbursement"], self.when(data.disbursement_date)),
            (labels["first_due"], _long_date(installments[0].due_date, self.language)),
            (labels["maturity"], _long_date(installments[-1].due_date, self.language)),
            (labels["annual_rate"], format_percent(data.annual_rate)),
            (labels["purpose"], data.purpose),
            (labels["total_interest"], self.amount(schedule.total_interest)),
            (labels["total_payable"], self.amount(schedule.total_payable)),
            (labels["cost"], self.amount(schedule.total_interest + data.fee)),
        ]
        return [self.heading(labels["s_terms"]), self.apr_box(), self.key_value_table(rows)]

    def penalty(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        if data.grace_days > 0:
            grace = labels["grace_value"].format(
                days=data.grace_days, day_word="day" if data.grace_days == 1 else "days"
            )
        else:
            grace = labels["grace_none"]
        rows = [
            (labels["penalty_rate"], format_percent(data.penalty_rate)),
            (labels["penalty_daily"], format_percent(data.penalty_rate / 360)),
            (labels["grace"], grace),
        ]
        return [
            self.heading(labels["s_penalty"]),
            self.para(labels["penalty_intro"]),
            Spacer(1, 4),
            self.key_value_table(rows),
        ]

    def schedule(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        schedule = data.schedule
        if data.disbursement_date is None:
            note = labels["schedule_note_unknown"]
        else:
            note = labels["schedule_note_planned"].format(date=_long_date(data.disbursement_date, self.language))
        currency = "人民币元" if self.chinese and data.currency == "CNY" else data.currency

        rows: list[list[str]] = [list(labels["columns"])]
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
                labels["totals"],
                "",
                format_money(schedule.total_principal),
                format_money(schedule.total_interest),
                format_money(schedule.total_payable),
                "",
            ]
        )
        shares = (0.09, 0.17, 0.185, 0.17, 0.185, 0.2)
        widths = [self.width * share for share in shares]
        last = len(rows) - 1
        style: list[tuple[Any, ...]] = [
            ("FONTSIZE", (0, 0), (-1, -1), _TABLE_SIZE),
            ("LEADING", (0, 0), (-1, -1), _TABLE_SIZE * 1.2),
            ("FONTNAME", (0, 0), (-1, 0), self.bold_font),
            ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
            ("ALIGN", (0, 0), (1, -1), "CENTER"),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
            ("LINEABOVE", (0, last), (-1, last), 1, colors.black),
            ("FONTNAME", (0, last), (-1, last), self.bold_font),
            ("BACKGROUND", (0, last), (-1, last), _SHADE),
            ("SPAN", (0, last), (1, last)),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        style += [("BACKGROUND", (0, row), (-1, row), _STRIPE) for row in range(2, last, 2)]
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(self.table_style(style))
        return [
            self.heading(labels["s_schedule"]),
            self.para(note),
            self.para(labels["unit"].format(currency=currency), self.small),
            Spacer(1, 3),
            table,
        ]

    def clauses(self) -> list[Flowable]:
        labels = self.labels
        hanging = ParagraphStyle("clause", parent=self.body, leftIndent=14, firstLineIndent=-14, spaceAfter=3)
        story: list[Flowable] = [self.heading(labels["s_clauses"])]
        for number, clause in enumerate(labels["clauses"], start=1):
            story.append(self.para(f"{number}. {clause}", hanging))
        return story

    def signatures(self) -> list[Flowable]:
        labels, data = self.labels, self.data
        line = labels["sign_line"]

        def gap() -> Spacer:
            return Spacer(1, 10)

        lender = [
            self.para(labels["sign_lender"].format(name=data.lender.name)),
            gap(),
            self.para(labels["sign_lender_rep"]),
            gap(),
            self.para(line),
            gap(),
            self.para(labels["sign_date"]),
        ]
        borrower = [
            self.para(labels["sign_borrower"].format(name=data.borrower.name)),
            gap(),
            self.para(line),
            gap(),
            self.para(labels["sign_date"]),
        ]
        rows: list[list[Any]] = [[lender, borrower]]
        guarantors = list(data.guarantors)
        for start in range(0, len(guarantors), 2):
            pair = guarantors[start : start + 2]
            cells: list[Any] = [
                [
                    self.para(labels["sign_guarantor"].format(name=name)),
                    gap(),
                    self.para(line),
                    gap(),
                    self.para(labels["sign_date"]),
                ]
                for name in pair
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
        block: list[Flowable] = [self.heading(labels["s_signatures"]), Spacer(1, 4), table]
        if data.signed_at is not None:
            block.append(
                self.para(labels["signed_at"].format(when=_date_time(data.signed_at, self.language)), bold=True)
            )
        return [KeepTogether(block)]

    def draw_footer(self, canvas: Canvas, page: int, pages: int) -> None:
        labels = self.labels
        left = labels["footer_number"].format(number=self.data.contract_number)
        right = labels["footer_page"].format(page=page, pages=pages)
        page_width = canvas._pagesize[0]
        y = _PAGE_MARGIN * 0.55
        canvas.saveState()
        canvas.setStrokeColor(_GRID)
        canvas.setLineWidth(0.5)
        canvas.line(_PAGE_MARGIN, y + 11, page_width - _PAGE_MARGIN, y + 11)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.setFont(CJK_FONT if self.chinese or _has_non_latin(left) else LATIN_FONT, 8)
        canvas.drawString(_PAGE_MARGIN, y, left)
        canvas.setFont(self.font, 8)
        canvas.drawRightString(page_width - _PAGE_MARGIN, y, right)
        canvas.restoreState()


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
    if language not in LANGUAGES:
        raise ValueError(f"language: must be one of {', '.join(LANGUAGES)}, not {language!r}.")
    _check(data)
    _register_fonts()

    buffer = BytesIO()
    labels = _LABELS[language]
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=_PAGE_MARGIN,
        rightMargin=_PAGE_MARGIN,
        topMargin=_PAGE_MARGIN,
        bottomMargin=_PAGE_MARGIN + 6 * mm,
        title=f"{labels['title']} {data.contract_number}",
        author=data.lender.name,
        subject=labels["title"],
        creator="Microloan",
        producer="Microloan",
        # The canvas names its initial font on every page: keep Helvetica out of the Chinese PDF.
        initialFontName=CJK_FONT if language == "zh-hans" else LATIN_FONT,
        invariant=1,
    )
    # The frame keeps 6 pt of padding on each side: flowables get the width inside it.
    builder = _ContractBuilder(data, language, document.width - 12)
    document.build(
        builder.build(),
        canvasmaker=functools.partial(_ContractCanvas, footer=builder.draw_footer),
    )
    return buffer.getvalue()
