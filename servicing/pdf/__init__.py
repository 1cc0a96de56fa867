"""Our documents as PDF: the loan contract, the repayment receipt and the loan statement.

One module per document (:mod:`.contract`, :mod:`.receipt`, :mod:`.statement`), each built
with the shared :mod:`.kit` (page, footer, styles, tables, the figure box), the fonts of
:mod:`.fonts` and the formatters of :mod:`.formats`. Each renderer takes plain data (no
database) and a language ("zh-hans" or "en") and returns deterministic PDF bytes; every word
comes from gettext under that language.
"""

from .contract import ContractData, render_contract_pdf
from .formats import format_apr, format_money, format_percent, rmb_in_words
from .kit import LANGUAGES, Party
from .receipt import AllocationRow, ReceiptData, render_receipt_pdf
from .statement import StatementData, StatementLine, render_statement_pdf

__all__ = [
    "LANGUAGES",
    "AllocationRow",
    "ContractData",
    "Party",
    "ReceiptData",
    "StatementData",
    "StatementLine",
    "format_apr",
    "format_money",
    "format_percent",
    "render_contract_pdf",
    "render_receipt_pdf",
    "render_statement_pdf",
    "rmb_in_words",
]
