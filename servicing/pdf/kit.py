"""The kit every document of ours is built with: the A4 page and its footer, the paragraph
and table styles in the document's fonts, the key-value and ruled tables, the figure box.

A document module (``contract``, ``receipt``, ``statement``) subclasses
:class:`DocumentBuilder`, builds its story from these pieces and hands it to
:func:`render_document`. Every word on the page goes through gettext: the renderer runs under
``translation.override(language)``, so a label is read in the reader's language when the
story is built.

The fonts and how text is set in them are in :mod:`.fonts`; numbers and dates in
:mod:`.formats`.

The output is deterministic (reportlab's invariant mode, nothing read from the clock or the
locale), so the same data always gives the same bytes and a stored SHA-256 of a document can
be checked by rendering it again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any, Final
from xml.sax.saxutils import escape

from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .fonts import CJK_FONT, LATIN_BOLD_FONT, LATIN_FONT, BoldText, has_non_latin, mixed_markup, register_fonts
from .formats import format_money, long_date

LANGUAGES: Final = ("zh-hans", "en")

PAGE_MARGIN: Final = 18 * mm
BODY_SIZE: Final = 9.5
TABLE_SIZE: Final = 8.5

GRID: Final = colors.HexColor("#9a9a9a")
SHADE: Final = colors.HexColor("#eef1f5")
STRIPE: Final = colors.HexColor("#f7f8fa")
RED: Final = colors.HexColor("#c8102e")
FIGURE_BACKGROUND: Final = colors.HexColor("#fff4d6")
FOOTER_INK: Final = colors.HexColor("#444444")


@dataclass(frozen=True)
class Party:
    """A party to a document. For the lender, ``id_number`` is its unified social credit
    code (or licence number); for a person, the full resident ID number (a contract shows
    it unmasked, a receipt or a statement masked)."""

    name: str
    id_number: str
    address: str
    phone: str


def check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"language: must be one of {', '.join(LANGUAGES)}, not {language!r}.")


def mask_id(value: str) -> str:
    """An ID number masked as everywhere (microloan/pii.py: the first 6 and last 4 kept): a
    receipt or a statement travels by e-mail and app."""
    from microloan.pii import mask_id_number

    return mask_id_number(value)


# --- the page -------------------------------------------------------------------------------

Footer = Callable[[Canvas, int, int], None]


class PageCountCanvas(Canvas):
    """A canvas that holds the pages back until the end, so the footer can say "page N of
    M" (a document shows its page count, so a page cannot go missing unnoticed)."""

    def __init__(self, *args: Any, footer: Footer, **kwargs: Any) -> None:
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


def content_width() -> float:
    # The frame keeps 6 pt of padding on each side: flowables get the width inside it.
    return A4[0] - 2 * PAGE_MARGIN - 12


def render_document(
    story: list[Flowable], footer: Footer, *, language: str, title: str, author: str, subject: str
) -> bytes:
    """The story on A4 pages with ``footer`` drawn on each, as PDF bytes."""
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=PAGE_MARGIN,
        rightMargin=PAGE_MARGIN,
        topMargin=PAGE_MARGIN,
        bottomMargin=PAGE_MARGIN + 6 * mm,
        title=title,
        author=author,
        subject=subject,
        creator="Microloan",
        producer="Microloan",
        # The canvas names its initial font on every page: keep Helvetica out of the Chinese PDF.
        initialFontName=CJK_FONT if language == "zh-hans" else LATIN_FONT,
        invariant=1,
    )
    document.build(story, canvasmaker=functools.partial(PageCountCanvas, footer=footer))
    return buffer.getvalue()


# --- the builder ----------------------------------------------------------------------------

_KEY_VALUE_STYLE: Final = (
    ("GRID", (0, 0), (-1, -1), 0.5, GRID),
    ("BACKGROUND", (0, 0), (0, -1), SHADE),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
)
_FIGURE_BOX_STYLE: Final = (
    ("BOX", (0, 0), (-1, -1), 1.8, colors.black),
    ("BACKGROUND", (0, 0), (-1, -1), FIGURE_BACKGROUND),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("LEFTPADDING", (0, 0), (-1, -1), 10),
    ("RIGHTPADDING", (0, 0), (-1, -1), 12),
    ("TOPPADDING", (0, 0), (-1, -1), 8),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
)


class DocumentBuilder:
    """Fonts, styles and text/table helpers every document shares. ``language`` chooses the
    typography (fonts, line breaking); the words come from gettext in the active language."""

    def __init__(self, language: str, width: float, currency: str) -> None:
        register_fonts()  # a paragraph in the CJK font needs it registered
        self.language = language
        self.width = width
        self.currency = currency
        self.chinese = language == "zh-hans"
        self.font = CJK_FONT if self.chinese else LATIN_FONT
        self.bold_font = CJK_FONT if self.chinese else LATIN_BOLD_FONT
        wrap = "CJK" if self.chinese else None
        self.body = ParagraphStyle(
            "body", fontName=self.font, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.5, wordWrap=wrap
        )
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=BODY_SIZE, leading=BODY_SIZE * 1.35)
        self.label = ParagraphStyle("label", parent=self.cell, textColor=colors.HexColor("#333333"))
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8, leading=11)
        self.centered = ParagraphStyle("centered", parent=self.body, alignment=TA_CENTER)
        self.table_cell = ParagraphStyle("table", parent=self.cell, fontSize=TABLE_SIZE, leading=TABLE_SIZE * 1.25)
        self.warning = ParagraphStyle("warning", parent=self.body, textColor=RED)
        self._cjk_variants: dict[str, ParagraphStyle] = {}

    # Words.

    def amount(self, value: Decimal) -> str:
        """An amount with its currency: "人民币 5,000.00 元", "CNY 5,000.00", "USD 5,000.00"."""
        if self.currency == "CNY":
            return pgettext("document", "CNY %(amount)s") % {"amount": format_money(value)}
        return f"{self.currency} {format_money(value)}"

    def date(self, value: Any) -> str:
        return long_date(value)

    def unit(self) -> Paragraph:
        """The line above a table of figures: "金额单位：人民币元", "Amounts in CNY"."""
        currency = pgettext("currency unit", "CNY") if self.currency == "CNY" else self.currency
        return self.para(pgettext("document", "Amounts in %(currency)s") % {"currency": currency}, self.small)

    # Paragraphs.

    def para(self, text: str, style: ParagraphStyle | None = None, *, bold: bool = False) -> Paragraph:
        style = style or self.body
        if self.chinese:
            markup = escape(text)
        else:
            markup = mixed_markup(text)
            if has_non_latin(text):
                # Chinese has no spaces to break at: wrap such text character by character.
                style = self._cjk_variant(style)
        if bold and not self.chinese:
            markup = f"<b>{markup}</b>"
        return Paragraph(markup, style)

    def _cjk_variant(self, style: ParagraphStyle) -> ParagraphStyle:
        if style.name not in self._cjk_variants:
            self._cjk_variants[style.name] = ParagraphStyle(f"{style.name}-cjk", parent=style, wordWrap="CJK")
        return self._cjk_variants[style.name]

    def title(self, text: str, number_line: str) -> list[Flowable]:
        return [
            BoldText(text, font=self.bold_font, size=20, align="center", space_after=4),
            self.para(number_line, self.centered),
        ]

    def heading(self, text: str) -> Flowable:
        flowable = BoldText(text, font=self.bold_font, size=12, space_after=4)
        flowable.spaceBefore = 10
        flowable.keepWithNext = True
        return flowable

    # Tables.

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
        table.setStyle(self.table_style(_KEY_VALUE_STYLE))
        return table

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
            ("FONTSIZE", (0, 0), (-1, -1), TABLE_SIZE),
            ("LEADING", (0, 0), (-1, -1), TABLE_SIZE * 1.2),
            ("FONTNAME", (0, 0), (-1, 0), self.bold_font),
            ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ("ALIGN", (0, 0), (numeric_from - 1, -1), "CENTER"),
            ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("GRID", (0, 0), (-1, -1), 0.4, GRID),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
        body_end = last - 1 if totals else last
        style += [("BACKGROUND", (0, row), (-1, row), STRIPE) for row in range(2, body_end + 1, 2)]
        if totals:
            style += [
                ("LINEABOVE", (0, last), (-1, last), 1, colors.black),
                ("FONTNAME", (0, last), (-1, last), self.bold_font),
                ("BACKGROUND", (0, last), (-1, last), SHADE),
            ]
        style += list(extra)
        table = Table(rows, colWidths=[self.width * share for share in shares], repeatRows=1)
        table.setStyle(self.table_style(style))
        return table

    def figure_box(
        self,
        label: str,
        note: str | None,
        figure: str,
        *,
        size: float,
        label_size: float = 12,
        left_share: float = 0.52,
        space_after: float = 6,
    ) -> Flowable:
        """A boxed, shaded label (and note) with a large bold figure on the right: the APR of a
        contract or a statement, the amount of a receipt."""
        left: list[Flowable] = [BoldText(label, font=self.bold_font, size=label_size, space_after=3)]
        if note:
            left.append(self.para(note, self.small))
        right = BoldText(figure, font=self.bold_font, size=size, align="right")
        left_width = self.width * left_share
        box = Table([[left, right]], colWidths=[left_width, self.width - left_width])
        box.setStyle(self.table_style(_FIGURE_BOX_STYLE))
        return KeepTogether([box, Spacer(1, space_after)])

    # The document: each builds its story and names its number; rendering is the same for all.

    def number_line(self) -> str:
        """The document's number, as its title and its footer show it."""
        raise NotImplementedError

    def build(self) -> list[Flowable]:
        """The story: every flowable of the document, in order."""
        raise NotImplementedError

    def render(self, *, title: str, number: str, author: str, mark: str | None = None) -> bytes:
        """The document as PDF bytes: the story and the footer (``mark``: see ``footer``), the
        PDF's title "<title> <number>", ``author`` (the lender) and ``title`` as its subject.
        Called under the document's language (``translation.override``)."""
        return render_document(
            self.build(),
            self.footer(self.number_line(), mark=mark),
            language=self.language,
            title=f"{title} {number}",
            author=author,
            subject=title,
        )

    # The footer.

    def footer(self, left: str, *, mark: str | None = None) -> Footer:
        """The footer drawn on every page: ``left`` (the document's number) and "page N of M",
        under a rule. With ``mark`` (a document marked REVERSED), pages after the first also
        carry a small red stamp in the top margin (the first has the big one in the story)."""

        def draw(canvas: Canvas, page: int, pages: int) -> None:
            right = pgettext("document", "Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
            page_width, page_height = A4
            y = PAGE_MARGIN * 0.55
            canvas.saveState()
            if mark and page > 1:
                size = 12
                text_width = pdfmetrics.stringWidth(mark, self.bold_font, size)
                x = page_width - PAGE_MARGIN - text_width - 12
                top = page_height - PAGE_MARGIN * 0.45
                canvas.setStrokeColor(RED)
                canvas.setFillColor(RED)
                canvas.setLineWidth(1.5)
                canvas.rect(x, top - size * 1.6, text_width + 12, size * 1.6, stroke=1, fill=0)
                canvas.setFont(self.bold_font, size)
                canvas.drawString(x + 6, top - size * 1.15, mark)
            canvas.setStrokeColor(GRID)
            canvas.setLineWidth(0.5)
            canvas.line(PAGE_MARGIN, y + 11, page_width - PAGE_MARGIN, y + 11)
            canvas.setFillColor(FOOTER_INK)
            canvas.setFont(CJK_FONT if self.chinese or has_non_latin(left) else LATIN_FONT, 8)
            canvas.drawString(PAGE_MARGIN, y, left)
            canvas.setFont(self.font, 8)
            canvas.drawRightString(page_width - PAGE_MARGIN, y, right)
            canvas.restoreState()

        return draw
