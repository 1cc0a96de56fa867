"""Anonymisation (PIPL art. 19, 47): the personal data of applicants who were refused or
withdrew, and never had a loan, is erased once ``policy().privacy.retention_days`` have passed
since their last application's decision. The rows stay (the books, the statistics and the
audit trail refer to them), their personal fields do not; the audit trail is kept.

Set-based: a chunk of borrowers (``policy().privacy.chunk``) is one UPDATE per table (``WHERE
id IN chunk``), its audit rows one bulk insert; only the stored files are deleted one by one
(the storage has no bulk delete), after the chunk's transaction commits."""

from datetime import date, datetime, time, timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat, LPad, TruncYear
from django.utils import timezone

from microloan.audit import audit_record_many
from microloan.models import AuditEvent
from microloan.policy import policy

from ..models import Application, ApplicationStatus, Borrower, Consent, Document, Lead

ENDED = (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)
ACTION = "anonymise"
PLACEHOLDER = "已匿名 #"  # + the borrower's id: the name an anonymised borrower is shown by


def _cutoff(business_date: date) -> datetime:
    """The instant before which a decision is past the retention on ``business_date``: the
    start (local time) of the day after ``business_date - retention_days``."""
    last_day = business_date - timedelta(days=policy().privacy.retention_days)
    return timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))


def anonymisable(business_date: date):
    """The borrowers to anonymise on ``business_date``: not yet anonymised (no ``anonymise``
    audit row), with at least one application, every one of them rejected or withdrawn — so
    none was ever disbursed: no loan — and none changed since the cutoff. An application's
    last change is its decision or later, never earlier, so a borrower is never erased early."""
    recent_or_open = Application.objects.filter(borrower=OuterRef("pk")).filter(
        ~Q(status__in=ENDED) | Q(updated_at__gte=_cutoff(business_date))
    )
    done = AuditEvent.objects.filter(entity="borrower", entity_id=OuterRef("pk"), action=ACTION)
    return (
        Borrower.objects.annotate(n_applications=Count("applications"))
        .filter(n_applications__gt=0)
        .exclude(Exists(recent_or_open))
        .exclude(Exists(done))
    )


def applicants_anonymise(*, business_date: date) -> dict:
    """Anonymises every borrower ``anonymisable`` on ``business_date``, chunk by chunk; a
    second run for the same date finds nobody. Answers how many borrowers and files."""
    borrowers = files = 0
    while True:
        with transaction.atomic():
            ids = list(
                anonymisable(business_date).order_by("pk").values_list("pk", flat=True)[: policy().privacy.chunk]
            )
            if not ids:
                break
            files += _anonymise_chunk(ids, business_date)
        borrowers += len(ids)
    return {"business_date": business_date.isoformat(), "borrowers": borrowers, "files": files}


def _anonymise_chunk(ids: list[int], business_date: date) -> int:
    # Lock the chunk's rows so that a borrower registering a new application in between waits
    # (and the next run re-checks them: their new application is open).
    list(Borrower.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    Borrower.objects.filter(pk__in=ids).update(
        full_name=Concat(Value(PLACEHOLDER), Cast("id", CharField())),
        # Unique and 18 characters like the number it replaces; never a valid resident ID.
        id_number=Concat(Value("X"), LPad(Cast("id", CharField()), 17, Value("0"))),
        mobile="",
        email="",
        address="",
        spouse_name="",
        spouse_id_number="",
        employer="",
        # The year of birth stays for the statistics (age bands), the day does not.
        date_of_birth=TruncYear("date_of_birth"),
    )
    # Guarantors and collateral are free-form (names, ID numbers, owners): cleared whole.
    Application.objects.filter(borrower_id__in=ids).update(guarantors=[], collateral=[])
    Lead.objects.filter(borrower_id__in=ids).update(
        name=Concat(Value(PLACEHOLDER), Cast("borrower_id", CharField())), mobile=""
    )
    documents = Document.objects.filter(application__borrower_id__in=ids).exclude(file="")
    consents = Consent.objects.filter(borrower_id__in=ids).exclude(file="")
    names = [*documents.values_list("file", flat=True), *consents.values_list("file", flat=True)]
    documents.update(file="", original_name="")
    consents.update(file="", original_name="")
    audit_record_many(
        [
            {
                "actor": None,
                "entity": "borrower",
                "entity_id": pk,
                "action": ACTION,
                "data": {"business_date": business_date.isoformat()},
            }
            for pk in ids
        ]
    )
    # The files go once the rows no longer name them: a rolled-back chunk keeps its files.
    transaction.on_commit(lambda: _delete_files(names))
    return len(names)


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
