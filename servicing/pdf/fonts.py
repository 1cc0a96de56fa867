"""The fonts of our documents and how text is set in them.

Chinese text uses reportlab's built-in CID font STSong-Light (Adobe-GB1, UniGB-UCS2-H):
nothing is embedded or downloaded, every PDF viewer has a substitute for it, and text
extraction maps it back to Unicode. An English document is set in Helvetica, with any run of
characters Helvetica cannot encode (a Chinese name or address) switched to STSong-Light.
"""

from __future__ import annotations

import functools
from typing import Final
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Flowable

CJK_FONT: Final = "STSong-Light"
LATIN_FONT: Final = "Helvetica"
LATIN_BOLD_FONT: Final = "Helvetica-Bold"


@functools.cache
def register_fonts() -> None:
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


def has_non_latin(text: str) -> bool:
    return not all(_latin_encodable(char) for char in text)


def mixed_markup(text: str) -> str:
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


class BoldText(Flowable):
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
