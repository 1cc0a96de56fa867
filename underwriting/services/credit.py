"""The scorecard's versions and the borrowers' credit records (entered or imported from CSV)."""

import csv
import io
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import Borrower
from applications.services import credit_inquiry_refusal, credit_inquiry_refusals
from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput
from microloan.lending.money import money
from microloan.permissions import require

from .. import scoring
from ..models import CreditRecord, Scorecard, WorstStatus


def scorecard_active() -> Scorecard:
    card = Scorecard.objects.filter(is_active=True).first()
    if card is None:
        card = scorecard_publish(actor=None, config=scoring.DEFAULT_CONFIG, note="default")
    return card


@transaction.atomic
def scorecard_publish(*, actor, config: dict, note: str = "") -> Scorecard:
    """A new version becomes active; earlier versions stay, as do the assessments using them."""
    if actor is not None:
        require(actor, "scorecard.publish")
    try:
        scoring.validate_config(config)
    except scoring.ScorecardConfigError as exc:
        raise InvalidInput({"config": [str(exc)]}) from None
    last = Scorecard.objects.select_for_update().order_by("-version").first()
    Scorecard.objects.filter(is_active=True).update(is_active=False)
    card = Scorecard.objects.create(
        version=(last.version + 1) if last else 1, config=config, is_active=True, note=note, created_by=actor
    )
    audit_record(
        actor=actor, entity="scorecard", entity_id=card.pk, action="publish", to_state=f"v{card.version}", reason=note
    )
    return card


# --- credit records --------------------------------------------------------------------

CREDIT_FIELDS = ("overdue_count_24m", "worst_status_24m", "current_debt", "current_installments", "inquiries_6m")


@transaction.atomic
def credit_record_create(
    *, actor, borrower: Borrower, as_of: date | None = None, source: str = "manual", **fields
) -> CreditRecord:
    require(actor, "credit_record.create")
    as_of = as_of or business_date()
    refusal = credit_inquiry_refusal(borrower, as_of)
    if refusal:
        raise InvalidInput({"borrower": [refusal]})
    record = CreditRecord.objects.create(
        borrower=borrower,
        as_of=as_of,
        source=source,
        created_by=actor,
        **{k: v for k, v in fields.items() if k in CREDIT_FIELDS},
    )
    audit_record(
        actor=actor,
        entity="borrower",
        entity_id=borrower.pk,
        action="credit_record",
        data={"record": record.pk, "source": source},
    )
    return record


CSV_COLUMNS = ("id_number", "as_of", *CREDIT_FIELDS)


@transaction.atomic
def credit_records_import(*, actor, text: str, borrowers) -> list[CreditRecord]:
    """Imports a CSV (header: id_number, as_of, overdue_count_24m, worst_status_24m,
    current_debt, current_installments, inquiries_6m). All rows or none: every bad row is
    reported with its line number, field and reason — also a row whose borrower had no
    credit-inquiry consent in force on its ``as_of`` date. ``borrowers`` is the queryset the
    actor may see, so a file cannot write to another branch's borrower."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput({"file": [_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}]})
    rows = list(reader)
    by_id = {b.id_number: b for b in borrowers.filter(id_number__in=[r["id_number"].strip().upper() for r in rows])}
    errors, parsed = [], []
    for line, row in enumerate(rows, start=2):
        try:
            borrower = by_id.get(row["id_number"].strip().upper())
            if borrower is None:
                raise ValueError(_("id_number: no such borrower in your branches"))
            try:
                as_of = date.fromisoformat(row["as_of"].strip())
            except ValueError:
                raise ValueError(_("as_of: not a date (YYYY-MM-DD)")) from None
            values: dict[str, object] = {}
            for f in ("overdue_count_24m", "inquiries_6m"):
                if not row[f].strip().isdigit():
                    raise ValueError(_("%(f)s: not a whole number ≥ 0") % {"f": f})
                values[f] = int(row[f])
            if row["worst_status_24m"].strip() not in WorstStatus.values:
                raise ValueError(_("worst_status_24m: one of %(v)s") % {"v": ", ".join(WorstStatus.values)})
            values["worst_status_24m"] = row["worst_status_24m"].strip()
            for f in ("current_debt", "current_installments"):
                try:
                    v = Decimal(row[f].strip())
                except ArithmeticError:
                    raise ValueError(_("%(f)s: not an amount") % {"f": f}) from None
                if not v.is_finite() or v < 0 or v != money(v):
                    raise ValueError(_("%(f)s: not an amount ≥ 0 with at most 2 decimals") % {"f": f})
                values[f] = v
            parsed.append((line, borrower, as_of, values))
        except ValueError as exc:
            errors.append((line, str(exc)))
    refusals = credit_inquiry_refusals((b, d) for _line, b, d, _v in parsed)
    errors += [(line, refusals[(b.pk, d)]) for line, b, d, _v in parsed if (b.pk, d) in refusals]
    if errors:
        raise InvalidInput(
            {"file": [_("line %(line)d: %(reason)s") % {"line": n, "reason": why} for n, why in sorted(errors)]}
        )
    return [credit_record_create(actor=actor, borrower=b, as_of=d, source="csv", **v) for _line, b, d, v in parsed]
