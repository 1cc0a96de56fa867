# Long module: the book import's one home: the format, each row's checks, the dry run, the apply.
"""Migration of an existing loan book: one CSV file (UTF-8, a header row) whose ``record``
column says what each row is —

- ``borrower``: ``ref``, ``id_number`` (GB 11643), ``full_name``, ``mobile``, ``segment``,
  ``branch`` (code);
- ``loan``: ``ref``, ``borrower_ref``, ``product`` and ``branch`` (codes), ``principal``,
  ``annual_rate``, ``term``, ``frequency``, ``method``, ``disbursed_on``;
- ``installment``: ``ref`` (the loan's), ``number``, ``due_date``, ``principal_due``,
  ``interest_due``, ``principal_paid``, ``interest_paid``;
- ``repayment``: ``ref`` (the loan's), ``amount``, ``paid_on``, ``channel``: the payments
  already made (history; what they paid is the instalments' paid parts).

``book_check`` is the dry run: every problem of every row, as ``{"file", "row", "field",
"reason"}`` (row 1 is the header), nothing written. ``book_apply`` writes it all in one
transaction or nothing: the borrowers, for each loan an application and a contract marked
migrated, the loan with its schedule (version 1) and its repayments, and one balanced
opening entry per loan — loan principal receivable (what is still owed of the principal) and
interest receivable (interest due by the business date and unpaid) against the migration
suspense equity account. A migrated loan is then a loan like any other: the daily close, the
accrual and the repayments take it as they find it."""

import csv
import hashlib
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationStatus, Borrower, Frequency, Method, Product, Segment
from applications.residentid import ResidentIdError, parse_resident_id
from microloan.audit import audit_record
from microloan.errors import InvalidInput
from microloan.ledger import Acct, Line, journal_post
from microloan.lending.money import ZERO, money
from microloan.models import Branch
from microloan.workflow import NEW

from .models import (
    BookImport,
    Contract,
    Installment,
    InstallmentStatus,
    Loan,
    LoanStatus,
    Repayment,
)
from .services import penalty_rate_for
from .workflow import BOOK_IMPORT_WORKFLOW

RECORDS = ("borrower", "loan", "installment", "repayment")
REQUIRED = {
    "borrower": ("ref", "id_number", "full_name", "mobile", "segment", "branch"),
    "loan": (
        "ref",
        "borrower_ref",
        "product",
        "branch",
        "principal",
        "annual_rate",
        "term",
        "frequency",
        "method",
        "disbursed_on",
    ),
    "installment": ("ref", "number", "due_date", "principal_due", "interest_due"),
    "repayment": ("ref", "amount", "paid_on"),
}
MAX_ROWS = 100_000


class _Report:
    def __init__(self, file_name: str):
        self.file, self.problems = file_name, []

    def add(self, row: int, field: str, reason: str) -> None:
        self.problems.append({"file": self.file, "row": row, "field": field, "reason": str(reason)})


def _amount(v: str, report, row, field, *, positive=False):
    try:
        d = Decimal((v or "").strip())
    except InvalidOperation:
        report.add(row, field, _("Not an amount."))
        return None
    if not d.is_finite() or d < 0 or (positive and d <= 0) or d != money(d):
        report.add(row, field, _("A positive amount with at most two decimals.") if positive else _("An amount."))
        return None
    return d


def _date(v: str, report, row, field, *, not_after: date):
    try:
        d = date.fromisoformat((v or "").strip())
    except ValueError:
        report.add(row, field, _("A date as YYYY-MM-DD."))
        return None
    if d > not_after:
        report.add(row, field, _("Not after the business date (%(d)s).") % {"d": not_after})
        return None
    return d


def _int(v: str, report, row, field, lo: int, hi: int):
    try:
        n = int((v or "").strip())
    except ValueError:
        report.add(row, field, _("A whole number."))
        return None
    if not lo <= n <= hi:
        report.add(row, field, _("From %(lo)s to %(hi)s.") % {"lo": lo, "hi": hi})
        return None
    return n


def parse_book(text: str, *, file_name: str, business_date: date) -> tuple[dict, list[dict]]:
    """(the book, every problem). The book: ``borrowers`` and ``loans`` by ref, each loan
    with its ``installments`` and ``repayments``."""
    report = _Report(file_name)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or "record" not in reader.fieldnames:
        report.add(1, "record", _("The header has no record column."))
        return {"borrowers": {}, "loans": {}}, report.problems
    rows_of = _rows(reader, report)
    branches = dict(Branch.objects.values_list("code", "pk"))
    products = {p.code: p for p in Product.objects.all()}
    borrowers = _borrowers(rows_of["borrower"], report, branches, business_date)
    loans = {}
    for n, row in rows_of["loan"]:
        if row["ref"] in loans:
            report.add(n, "ref", _("The same loan ref twice."))
            continue
        loan = _loan(n, row, report, borrowers, branches, products, business_date)
        if loan:
            loans[row["ref"]] = loan
    bad_loans: set[str] = set()
    _installments(rows_of["installment"], report, loans, bad_loans)
    _repayments(rows_of["repayment"], report, loans, bad_loans, business_date)
    for ref, loan in loans.items():
        _check_loan(loan, report, bad_loans, ref)
    for ref in bad_loans:
        loans.pop(ref, None)
    return {"borrowers": borrowers, "loans": loans}, report.problems


def _rows(reader, report) -> dict[str, list]:
    rows_of = defaultdict(list)
    for n, raw in enumerate(reader, start=2):
        if n > MAX_ROWS:
            report.add(n, "record", _("Too many rows (at most %(n)s).") % {"n": MAX_ROWS})
            break
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        kind = row.get("record", "")
        if kind not in RECORDS:
            report.add(n, "record", _("One of borrower, loan, installment, repayment."))
            continue
        missing = [f for f in REQUIRED[kind] if not row.get(f)]
        for f in missing:
            report.add(n, f, _("Required."))
        if not missing:
            rows_of[kind].append((n, row))
    return rows_of


def _one_of(report, n, row, field, values) -> bool:
    if row[field] in values:
        return True
    report.add(n, field, _("One of %(v)s.") % {"v": ", ".join(values)})
    return False


def _borrowers(rows, report, branches, business_date) -> dict:
    borrowers, ids_seen = {}, {}
    for n, row in rows:
        ok = row["ref"] not in borrowers
        if not ok:
            report.add(n, "ref", _("The same borrower ref twice."))
        try:
            rid = parse_resident_id(row["id_number"], today=business_date)
        except ResidentIdError as exc:
            report.add(n, "id_number", exc)
            rid, ok = None, False
        if rid and rid.number in ids_seen:
            report.add(n, "id_number", _("The same ID number as row %(r)s.") % {"r": ids_seen[rid.number]})
            ok = False
        if rid:
            ids_seen.setdefault(rid.number, n)
        ok = _one_of(report, n, row, "segment", Segment.values) and ok
        if row["branch"] not in branches:
            report.add(n, "branch", _("No branch with this code."))
            ok = False
        digits = row["mobile"].replace(" ", "").replace("-", "")
        if not (digits.lstrip("+").isdigit() and 7 <= len(digits.lstrip("+")) <= 15):
            report.add(n, "mobile", _("Enter a phone number of 7 to 15 digits."))
            ok = False
        if ok:
            borrowers[row["ref"]] = {
                "row": n,
                **row,
                "mobile": digits,
                "rid": rid,
                "branch_id": branches[row["branch"]],
            }
    taken = set(Borrower.objects.filter(id_number__in=list(ids_seen)).values_list("id_number", flat=True))
    for ref, b in list(borrowers.items()):
        if b["rid"].number in taken:
            report.add(b["row"], "id_number", _("A borrower with this ID number is already in the system."))
            del borrowers[ref]
    return borrowers


def _rate(report, n, value):
    try:
        rate = Decimal(value)
        if rate.is_finite() and Decimal(0) <= rate < Decimal(1):
            return rate
    except InvalidOperation:
        pass
    report.add(n, "annual_rate", _("An annual rate as a fraction, from 0 to below 1 (0.12 = 12%)."))
    return None


def _loan(n, row, report, borrowers, branches, products, business_date) -> dict | None:
    ok = True
    if row["borrower_ref"] not in borrowers:
        report.add(n, "borrower_ref", _("No valid borrower row with this ref."))
        ok = False
    if row["product"] not in products:
        report.add(n, "product", _("No product with this code."))
        ok = False
    if row["branch"] not in branches:
        report.add(n, "branch", _("No branch with this code."))
        ok = False
    ok = _one_of(report, n, row, "frequency", Frequency.values) and ok
    ok = _one_of(report, n, row, "method", Method.values) and ok
    principal = _amount(row["principal"], report, n, "principal", positive=True)
    term = _int(row["term"], report, n, "term", 1, 360)
    disbursed_on = _date(row["disbursed_on"], report, n, "disbursed_on", not_after=business_date)
    rate = _rate(report, n, row["annual_rate"])
    if not ok or None in (principal, term, disbursed_on, rate):
        return None
    return {
        "row": n,
        **row,
        "principal": principal,
        "term": term,
        "disbursed_on": disbursed_on,
        "annual_rate": rate,
        "product_obj": products[row["product"]],
        "branch_id": branches[row["branch"]],
        "installments": [],
        "repayments": [],
    }


def _installments(rows, report, loans, bad_loans) -> None:
    for n, row in rows:
        loan = loans.get(row["ref"])
        if loan is None:
            report.add(n, "ref", _("No valid loan row with this ref."))
            continue
        i = {
            "row": n,
            "number": _int(row["number"], report, n, "number", 1, 360),
            "due_date": _date(row["due_date"], report, n, "due_date", not_after=date.max),
            **{
                f: _amount(row.get(f) or "0", report, n, f)
                for f in ("principal_due", "interest_due", "principal_paid", "interest_paid")
            },
        }
        if None in i.values():
            bad_loans.add(row["ref"])
            continue
        for part in ("principal", "interest"):
            if i[f"{part}_paid"] > i[f"{part}_due"]:
                report.add(n, f"{part}_paid", _("More paid than due."))
                bad_loans.add(row["ref"])
        if i["due_date"] <= loan["disbursed_on"]:
            report.add(n, "due_date", _("Not after the disbursement."))
            bad_loans.add(row["ref"])
        loan["installments"].append(i)


def _repayments(rows, report, loans, bad_loans, business_date) -> None:
    for n, row in rows:
        loan = loans.get(row["ref"])
        if loan is None:
            report.add(n, "ref", _("No valid loan row with this ref."))
            continue
        amount = _amount(row["amount"], report, n, "amount", positive=True)
        paid_on = _date(row["paid_on"], report, n, "paid_on", not_after=business_date)
        if paid_on and paid_on < loan["disbursed_on"]:
            report.add(n, "paid_on", _("Not before the disbursement."))
            paid_on = None
        if amount is None or paid_on is None:
            bad_loans.add(row["ref"])
            continue
        channel = row.get("channel") or "migrated"
        loan["repayments"].append({"row": n, "amount": amount, "paid_on": paid_on, "channel": channel})


def _check_loan(loan: dict, report, bad: set, ref: str) -> None:
    rows = sorted(loan["installments"], key=lambda i: i["number"])
    n = loan["row"]
    if [i["number"] for i in rows] != list(range(1, loan["term"] + 1)):
        report.add(n, "term", _("The loan's instalments must be numbered 1 to its term (%(t)s).") % {"t": loan["term"]})
        bad.add(ref)
        return
    if any(a["due_date"] >= b["due_date"] for a, b in zip(rows, rows[1:], strict=False)):
        report.add(n, "due_date", _("The instalments' due dates must rise with their numbers."))
        bad.add(ref)
    total = sum((i["principal_due"] for i in rows), start=ZERO)
    if total != loan["principal"]:
        report.add(n, "principal", _("The instalments' principal (%(s)s) is not the loan's.") % {"s": f"{total:.2f}"})
        bad.add(ref)
    paid = sum((i["principal_paid"] + i["interest_paid"] for i in rows), start=ZERO)
    repaid = sum((r["amount"] for r in loan["repayments"]), start=ZERO)
    if paid != repaid:
        report.add(
            n,
            "repayments",
            _("The repayments (%(r)s) are not what the instalments show paid (%(p)s).")
            % {"r": f"{repaid:.2f}", "p": f"{paid:.2f}"},
        )
        bad.add(ref)
    loan["installments"] = rows


def xlsx_to_csv(content: bytes) -> str:
    """The first sheet of an XLSX workbook as CSV text, row for row (so the report's rows are
    the sheet's): dates as YYYY-MM-DD, numbers as written (never through a float's digits)."""
    from datetime import datetime

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - whatever the library says, it is not a workbook we read
        raise InvalidInput({"file": [_("The file is not an XLSX workbook.")]}) from None

    def cell(v) -> str:
        if v is None:
            return ""
        if isinstance(v, datetime):
            return v.date().isoformat()
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float):
            return str(Decimal(repr(v)))
        return str(v)

    out = io.StringIO()
    writer = csv.writer(out)
    for n, row in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
        if n > MAX_ROWS + 1:
            break
        writer.writerow([cell(v) for v in row])
    wb.close()
    return out.getvalue()


def book_check(*, actor, file_name: str, content: bytes, business_date: date) -> BookImport:
    """The dry run, kept: the file and its report (``checked`` when it has no problem). A CSV
    (UTF-8) or an XLSX workbook (its first sheet, kept as CSV text)."""
    if content[:2] == b"PK" or file_name.lower().endswith(".xlsx"):
        text = xlsx_to_csv(content)
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput({"file": [_("The file is not UTF-8 text (save the sheet as CSV UTF-8).")]}) from None
    book, problems = parse_book(text, file_name=file_name, business_date=business_date)
    counts = {"borrowers": len(book["borrowers"]), "loans": len(book["loans"])}
    imp = BookImport(
        file_name=file_name[:200],
        content=text,
        sha256=hashlib.sha256(content).hexdigest(),
        business_date=business_date,
        problems=problems,
        counts=counts,
        uploaded_by=actor,
    )
    with transaction.atomic():
        BOOK_IMPORT_WORKFLOW.start(
            obj=imp,
            action="fail" if problems else "check",
            actor=actor,
            data={"file": imp.file_name, "sha256": imp.sha256, "problems": len(problems), **counts},
        )
    return imp


@transaction.atomic
def book_apply(*, actor, book_import: BookImport) -> BookImport:
    """Applies a checked import, all or nothing (another person than the uploader)."""
    imp = BookImport.objects.select_for_update().get(pk=book_import.pk)
    BOOK_IMPORT_WORKFLOW.check(obj=imp, action="apply", actor=actor)
    book, problems = parse_book(imp.content, file_name=imp.file_name, business_date=imp.business_date)
    if problems:  # the book changed under it (a borrower since registered): nothing written
        raise InvalidInput({"file": [_("The file has problems now; upload it again for the report.")]})
    made = _write(book, actor=actor, business_date=imp.business_date, import_id=imp.pk)
    imp.applied_by, imp.applied_at = actor, timezone.now()
    imp.counts = {**imp.counts, **made}
    BOOK_IMPORT_WORKFLOW.apply(
        obj=imp, action="apply", actor=actor, data=made, extra_update_fields=["applied_by", "applied_at", "counts"]
    )
    return imp


@transaction.atomic
def book_discard(*, actor, book_import: BookImport, reason: str = "") -> BookImport:
    imp = BookImport.objects.select_for_update().get(pk=book_import.pk)
    BOOK_IMPORT_WORKFLOW.apply(obj=imp, action="discard", actor=actor, reason=reason)
    return imp


def _status(i: dict, as_of: date) -> str:
    unpaid = i["principal_due"] + i["interest_due"] - i["principal_paid"] - i["interest_paid"]
    if unpaid <= 0:
        return InstallmentStatus.PAID
    if i["due_date"] < as_of:
        return InstallmentStatus.OVERDUE
    return InstallmentStatus.PARTIALLY_PAID if i["principal_paid"] + i["interest_paid"] > 0 else InstallmentStatus.DUE


def _write(book: dict, *, actor, business_date: date, import_id: int) -> dict:
    borrowers = {}
    for ref, b in book["borrowers"].items():
        borrowers[ref] = Borrower(
            branch_id=b["branch_id"],
            full_name=b["full_name"],
            id_number=b["rid"].number,
            date_of_birth=b["rid"].date_of_birth,
            sex=b["rid"].sex,
            mobile=b["mobile"],
            segment=b["segment"],
        )
    Borrower.objects.bulk_create(borrowers.values())
    used = {ref: loan for ref, loan in book["loans"].items()}
    apps = {
        ref: Application(
            branch_id=loan["branch_id"],
            borrower=borrowers[loan["borrower_ref"]],
            product=loan["product_obj"],
            created_by=actor,
            amount=loan["principal"],
            term=loan["term"],
            method=loan["method"],
            frequency=loan["frequency"],
            purpose=_("Migrated from the previous system (import %(n)s, loan %(ref)s).") % {"n": import_id, "ref": ref},
            status=ApplicationStatus.DISBURSED,
            approved_amount=loan["principal"],
        )
        for ref, loan in used.items()
    }
    Application.objects.bulk_create(apps.values())
    contracts = {
        ref: Contract(
            application=apps[ref],
            version=1,
            language="zh-hans",
            number=f"MIG-{import_id}-{ref}"[:40],
            sha256="",
            generated_by=actor,
        )
        for ref in used
    }
    Contract.objects.bulk_create(contracts.values())
    loans = {}
    for ref, loan in used.items():
        rows = loan["installments"]
        outstanding = sum((i["principal_due"] - i["principal_paid"] for i in rows), start=ZERO)
        settled = all(_status(i, business_date) == InstallmentStatus.PAID for i in rows)
        loans[ref] = Loan(
            application=apps[ref],
            contract=contracts[ref],
            borrower=apps[ref].borrower,
            branch_id=loan["branch_id"],
            product=loan["product_obj"],
            principal=loan["principal"],
            annual_rate=loan["annual_rate"],
            penalty_rate=penalty_rate_for(loan["product_obj"], loan["annual_rate"]),
            apr=loan["annual_rate"],
            term=loan["term"],
            frequency=loan["frequency"],
            method=loan["method"],
            disbursed_on=loan["disbursed_on"],
            disbursed_amount=loan["principal"],
            channel="migrated",
            reference=f"import:{import_id}:{ref}"[:100],
            maturity_date=rows[-1]["due_date"],
            status=LoanStatus.CLOSED if settled else LoanStatus.ACTIVE,
            closed_on=business_date if settled else None,
            outstanding_principal=outstanding,
        )
    Loan.objects.bulk_create(loans.values())
    installments, repayments, balance = [], [], {}
    for ref, loan in used.items():
        left = loan["principal"]
        for i in loan["installments"]:
            left -= i["principal_due"]
            installments.append(
                Installment(
                    loan=loans[ref],
                    number=i["number"],
                    due_date=i["due_date"],
                    principal_due=i["principal_due"],
                    interest_due=i["interest_due"],
                    principal_paid=i["principal_paid"],
                    interest_paid=i["interest_paid"],
                    balance_after=left,
                    status=_status(i, business_date),
                )
            )
        for r in loan["repayments"]:
            repayments.append(
                Repayment(
                    loan=loans[ref],
                    amount=r["amount"],
                    paid_on=r["paid_on"],
                    channel=r["channel"][:30],
                    reference=f"migrated:{import_id}",
                    posted_by=actor,
                )
            )
        balance[ref] = (
            loans[ref].outstanding_principal,
            sum(
                (
                    i["interest_due"] - i["interest_paid"]
                    for i in loan["installments"]
                    if i["due_date"] <= business_date
                ),
                start=ZERO,
            ),
        )
    Installment.objects.bulk_create(installments)
    Repayment.objects.bulk_create(repayments)
    total = ZERO
    for ref, (principal, interest) in balance.items():
        loan = loans[ref]
        if principal + interest <= 0:
            continue
        lines = [Line(Acct.LOAN_PRINCIPAL, debit=principal, loan_id=loan.pk)] if principal > 0 else []
        if interest > 0:
            lines.append(Line(Acct.INTEREST_RECEIVABLE, debit=interest, loan_id=loan.pk))
        lines.append(Line(Acct.MIGRATION_SUSPENSE, credit=principal + interest, loan_id=loan.pk))
        journal_post(
            kind="adjustment",
            branch_id=loan.branch_id,
            business_date=business_date,
            actor=actor,
            reference=f"loan:{loan.pk}",
            source_key=f"book-import:{import_id}:{ref}",
            memo=_("Opening balance of a migrated loan"),
            lines=lines,
        )
        total += principal + interest
    for loan in loans.values():
        audit_record(
            actor=actor,
            entity="loan",
            entity_id=loan.pk,
            action="migrate",
            from_state=NEW,
            to_state=loan.status,
            data={"import": import_id},
        )
    return {"borrowers_made": len(borrowers), "loans_made": len(loans), "opening_total": f"{total:.2f}"}
