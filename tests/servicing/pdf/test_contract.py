"""Tests of servicing.pdf.contract: the loan contract PDF in both languages.

No database. The text is read back with poppler's pdftotext, so these tests check what a
reader (or a search index) really gets out of the file, Chinese included.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from microloan.lending.schedule import Schedule, build_schedule
from servicing.pdf import ContractData, Party, render_contract_pdf

from .reading import LANGUAGES, LENDER, first_page_ink, fonts, money, needs_poppler, pdf_text

pytestmark = needs_poppler

BORROWER = Party(
    name="陈明",
    id_number="11010519491231002X",
    address="北京市海淀区中关村大街 27 号 3 单元 502 室",
    phone="13800138000",
)

# name -> (term, fee, method)
CASES = {
    "6-month annuity": (6, Decimal("0.00"), "annuity"),
    "24-month annuity with fee": (24, Decimal("100.00"), "annuity"),
    "60-month equal principal with fee": (60, Decimal("150.00"), "equal_principal"),
}


@cache
def _schedule(term: int, fee: Decimal, method: str) -> Schedule:
    return build_schedule(
        principal=Decimal("5000.00"),
        annual_rate=Decimal("0.18"),
        term=term,
        frequency="monthly",
        method=method,
        disbursement_date=date(2026, 1, 15),
        fee=fee,
    )


def _contract(case: str, **changes) -> ContractData:
    term, fee, method = CASES[case]
    schedule = _schedule(term, fee, method)
    data = ContractData(
        contract_number="HT-2026-000123",
        lender=LENDER,
        borrower=BORROWER,
        branch_name="朝阳支行",
        product_name="个人消费贷",
        principal=Decimal("5000.00"),
        fee=fee,
        annual_rate=Decimal("0.18"),
        apr=schedule.apr,
        term=term,
        frequency="monthly",
        method=method,
        disbursement_date=date(2026, 1, 15),
        purpose="家庭装修",
        penalty_rate=Decimal("0.27"),
        grace_days=3,
        schedule=schedule,
    )
    return replace(data, **changes)


@cache
def _pdf(case: str, language: str) -> bytes:
    return render_contract_pdf(_contract(case), language=language)


def _expected_apr(schedule: Schedule) -> str:
    # Computed here, not with the module's formatter: the APR fraction has 4 places, so as a
    # percentage it has exactly 2.
    return f"{schedule.apr * 100:.2f}%"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", list(CASES))
def test_contract_text_has_parties_apr_and_full_schedule(case: str, language: str) -> None:
    # given
    data = _contract(case)

    # when
    text = pdf_text(_pdf(case, language))

    # then
    assert BORROWER.name in text  # Chinese, also in the English version
    assert LENDER.name in text
    assert BORROWER.id_number in text  # the contract shows the ID number in full
    assert BORROWER.phone in text
    assert data.contract_number in text
    assert _expected_apr(data.schedule) in text
    assert "18.00%" in text  # the nominal rate
    assert "27.00%" in text and "0.075%" in text  # penalty, annual and daily (/360)
    assert money(data.principal) in text
    assert money(data.principal - data.fee) in text  # the amount paid out
    assert money(data.schedule.total_interest) in text
    assert money(data.schedule.total_payable) in text
    lines = text.splitlines()
    for installment in data.schedule.installments:
        # Each instalment is one table row: number, date, principal, interest, total, balance.
        row = [
            str(installment.number),
            installment.due_date.isoformat(),
            money(installment.principal),
            money(installment.interest),
            money(installment.total),
            money(installment.balance_after),
        ]
        assert any(line.split() == row for line in lines), row


@pytest.mark.parametrize("case", list(CASES))
def test_chinese_contract_is_in_chinese(case: str) -> None:
    text = pdf_text(_pdf(case, "zh-hans"))

    assert "借款合同" in text
    assert "年化利率" in text
    assert "等额本息" in text or "等额本金" in text
    assert "罚息" in text
    # A clause wraps wherever the line is full, even inside a phrase.
    assert "贷款人所在地有管辖权的人民法院" in re.sub(r"\s+", "", text)
    assert "第 1 页" in text
    assert "Loan Contract" not in text


@pytest.mark.parametrize("case", list(CASES))
def test_english_contract_is_in_english(case: str) -> None:
    text = pdf_text(_pdf(case, "en"))

    assert "Loan Contract" in text
    assert "APR" in text
    assert "Equal instalments (annuity)" in text or "Equal principal" in text
    assert "Page 1 of" in text
    assert "借款合同" not in text


def test_chinese_amount_in_words_and_fee_lines() -> None:
    text = pdf_text(_pdf("24-month annuity with fee", "zh-hans"))

    assert "人民币伍仟元整" in text
    assert "人民币 100.00 元" in text  # the fee
    assert "人民币 4,900.00 元" in text  # paid out


def test_repayment_method_names() -> None:
    expected = {
        "annuity": ("等额本息", "Equal instalments (annuity)"),
        "equal_principal": ("等额本金", "Equal principal"),
        "interest_only": ("按期付息、到期还本", "Interest only with principal at maturity"),
        "flat": ("等本等息", "Flat"),
    }
    for method, (chinese, english) in expected.items():
        schedule = build_schedule(
            principal=Decimal("5000.00"),
            annual_rate=Decimal("0.18"),
            term=6,
            frequency="monthly",
            method=method,
            disbursement_date=date(2026, 1, 15),
        )
        data = replace(_contract("6-month annuity"), method=method, schedule=schedule, apr=schedule.apr)
        for language, name in (("zh-hans", chinese), ("en", english)):
            pdf = render_contract_pdf(data, language=language)
            assert name in pdf_text(pdf), (method, language)


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@pytest.mark.parametrize("language", LANGUAGES)
def test_apr_is_the_most_prominent_rate(language: str) -> None:
    # given: a fee, so the APR (about 19%) differs from the nominal 18.00%
    data = _contract("24-month annuity with fee")
    apr = _expected_apr(data.schedule)
    assert apr != "18.00%"

    # when
    words = [
        (html.unescape(match[4]), float(match[3]) - float(match[1]))
        for match in _WORD.findall(pdf_text(_pdf("24-month annuity with fee", language), "-bbox"))
    ]

    # then: the glyph height of the APR figure beats every other percentage in the document
    rates = [(word, height) for word, height in words if "%" in word]
    apr_heights = [height for word, height in rates if word == apr]
    other_heights = [height for word, height in rates if word != apr]
    assert apr_heights and other_heights
    assert max(apr_heights) > max(other_heights) * 1.5


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_schedule_spans_pages_with_header_on_each(language: str) -> None:
    text = pdf_text(_pdf("60-month equal principal with fee", language))
    pages = [page for page in text.split("\f") if page.strip()]
    header = "还款日" if language == "zh-hans" else "Due date"

    assert len(pages) >= 3
    schedule_pages = [page for page in pages if re.search(r"\b2026-0[2-9]-15\b|\b20(2[7-9]|30)-\d\d-15\b", page)]
    assert len(schedule_pages) >= 2
    for page in schedule_pages:
        assert header in page  # repeatRows=1: the header row is on every page of the table
    last = f"第 {len(pages)} 页，共 {len(pages)} 页" if language == "zh-hans" else f"Page {len(pages)} of {len(pages)}"
    assert last in pages[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_page_renders_to_an_image(language: str, tmp_path: Path) -> None:
    (width, height), dark = first_page_ink(_pdf("6-month annuity", language), tmp_path)

    assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # A4 at 50 dpi
    assert dark > 2000  # ink on the page, not a blank sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_fonts_cid_for_chinese_and_helvetica_only_in_english(language: str) -> None:
    used = fonts(_pdf("6-month annuity", language))

    assert "STSong-Light" in used
    assert ("Helvetica" in used) == (language == "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_data_gives_same_bytes(language: str) -> None:
    data = _contract("24-month annuity with fee")

    first = render_contract_pdf(data, language=language)
    second = render_contract_pdf(data, language=language)

    assert first == second
    assert first.startswith(b"%PDF-")


def test_same_bytes_in_another_process() -> None:
    # A stored SHA-256 is checked later by another process: hash seeds and import order must
    # not matter.
    code = (
        "import hashlib, sys, django\n"
        "django.setup()\n"
        "from tests.servicing.pdf.test_contract import _contract\n"
        "from servicing.pdf import render_contract_pdf\n"
        "pdf = render_contract_pdf(_contract('24-month annuity with fee'), language=sys.argv[1])\n"
        "print(hashlib.sha256(pdf).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "DJANGO_SETTINGS_MODULE": "microloan.settings.test"}
    root = Path(__file__).resolve().parents[3]
    for language in LANGUAGES:
        result = subprocess.run(
            [sys.executable, "-c", code, language], cwd=root, env=env, check=True, capture_output=True, timeout=120
        )
        expected = hashlib.sha256(render_contract_pdf(_contract("24-month annuity with fee"), language=language))
        assert result.stdout.decode().strip() == expected.hexdigest()


def test_content_changes_change_the_bytes() -> None:
    data = _contract("6-month annuity")

    assert render_contract_pdf(data, language="en") != render_contract_pdf(replace(data, version=2), language="en")
    assert render_contract_pdf(data, language="en") != render_contract_pdf(data, language="zh-hans")


@pytest.mark.parametrize("language", LANGUAGES)
def test_guarantors_and_signature(language: str) -> None:
    signed_at = datetime(2026, 1, 14, 10, 5, tzinfo=timezone(timedelta(hours=8)))
    data = _contract("6-month annuity", guarantors=["王芳", "李强"], signed_at=signed_at, disbursement_date=None)

    text = pdf_text(render_contract_pdf(data, language=language))

    assert "王芳" in text and "李强" in text
    if language == "zh-hans":
        assert "已签署：2026年1月14日 10:05（UTC+08:00）" in text
        assert "以实际放款日为准" in text
    else:
        assert "Signed at 14 January 2026 10:05 (UTC+08:00)" in text
        assert "the actual disbursement date" in text


def test_user_text_is_not_taken_as_markup() -> None:
    data = _contract(
        "6-month annuity", purpose="Stock & <b>tools</b> for shop", borrower=replace(BORROWER, name="O'Neil 陈")
    )

    text = pdf_text(render_contract_pdf(data, language="en"))

    assert "Stock & <b>tools</b> for shop" in text
    assert "O'Neil 陈" in text


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "fr", "", "EN"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        render_contract_pdf(_contract("6-month annuity"), language=language)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"apr": Decimal("0.1700")}, "apr"),
        ({"term": 7}, "term"),
        ({"principal": Decimal("5001.00")}, "principal"),
    ],
)
def test_data_that_contradicts_its_schedule_is_refused(changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_contract_pdf(_contract("6-month annuity", **changes), language="en")
