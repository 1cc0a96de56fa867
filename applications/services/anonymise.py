"""Anonymisation (PIPL art. 19, 47): the personal data of applicants who were refused or
withdrew, and never had a loan, is erased once ``policy().privacy.retention_days`` have passed
since their last application's decision. The rows stay (the books, the statistics and the
audit trail refer to them), their personal fields do not; the audit trail is kept.

Set-based: a chunk of borrowers (``policy().privacy.chunk``) is one UPDATE per table (``WHERE
id IN chunk``), its audit rows one bulk insert; only the stored files are deleted one by one
(the storage has no bulk delete), after the chunk's transaction commits.

What goes, table by table (README, "Personal information (PIPL)"): the borrower's personal
fields; their login (username ``anon-<borrower id>``, no usable password, inactive, its refresh
tokens blacklisted, its name and e-mail cleared); the guarantors and collateral; their leads'
names, mobiles and notes; the documents' and consents' files and names, the consents'
revocation reasons; the documents' review notes; the notifications addressed to them or sent to
their mobile or e-mail (``microloan.notifications.notifications_anonymise``); the stored API
responses (idempotency records) of their login or holding their ID number, mobile or name; and
what the later apps register with ``register_eraser`` (their ``AppConfig.ready``: the field
visits' notes, complaints, feedback, contracts' files), so this app imports none after it."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat, LPad, TruncYear
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from microloan.audit import audit_record_many
from microloan.idempotency import IdempotencyRecord
from microloan.models import AuditEvent
from microloan.notifications import notifications_anonymise
from microloan.policy import policy

from ..models import Application, ApplicationStatus, Borrower, Consent, Document, Lead

ENDED = (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)
ACTION = "anonymise"
PLACEHOLDER = "已匿名 #"  # + the borrower's id: the name an anonymised borrower is shown by
LOGIN_PREFIX = "anon-"  # + the borrower's id: an anonymised borrower's login name

# A later app's part of the job: given a chunk's borrower ids, erases what its tables hold of
# them in a constant number of statements and answers the stored files to delete after the
# commit (``register_eraser`` from its AppConfig.ready).
Eraser = Callable[[list[int]], list[str]]
ERASERS: dict[str, Eraser] = {}


def register_eraser(name: str, eraser: Eraser) -> None:
    ERASERS.setdefault(name, eraser)


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
    # What the other tables are searched by (addresses, the stored responses), read first.
    people = list(
        Borrower.objects.select_for_update()
        .filter(pk__in=ids)
        .values_list("user_id", "mobile", "email", "id_number", "full_name")
    )
    user_ids = [u for u, *_rest in people if u is not None]
    _logins_end(user_ids, [mobile for _u, mobile, *_rest in people if mobile])
    notifications_anonymise(
        user_ids=user_ids, addresses=[a for _u, mobile, email, *_rest in people for a in (mobile, email) if a]
    )
    _stored_responses_forget(
        user_ids, [v for _u, mobile, _e, id_number, name in people for v in (mobile, id_number, name) if v]
    )
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
    # Their leads, converted or not (a lead registered again under the same mobile).
    mobiles = [mobile for _u, mobile, *_rest in people if mobile]
    Lead.objects.filter(Q(borrower_id__in=ids) | Q(borrower__isnull=True, mobile__in=mobiles)).update(
        name=Value(PLACEHOLDER.strip(" #")), mobile="", notes=""
    )
    documents = Document.objects.filter(application__borrower_id__in=ids).exclude(file="")
    consents = Consent.objects.filter(borrower_id__in=ids).exclude(file="")
    names = [*documents.values_list("file", flat=True), *consents.values_list("file", flat=True)]
    for eraser in ERASERS.values():
        names += eraser(ids)
    documents.update(file="", original_name="")
    consents.update(file="", original_name="")
    Document.objects.filter(application__borrower_id__in=ids).exclude(review_reason="").update(review_reason="")
    Consent.objects.filter(borrower_id__in=ids).exclude(revoke_reason="").update(revoke_reason="")
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


def _logins_end(user_ids: list[int], mobiles: list[str]) -> None:
    """The borrowers' logins: renamed ``anon-<borrower id>`` (the username may have been the
    mobile number), no usable password, inactive, name and e-mail cleared, every refresh
    token they hold blacklisted, their authenticator devices deleted and the failed-login
    records (django-axes) naming their username or mobile freed of it. A fixed number of
    statements however many logins, tokens and records."""
    User = get_user_model()
    usernames = [*User.objects.filter(pk__in=user_ids).values_list("username", flat=True), *mobiles]
    AccessAttempt.objects.filter(username__in=usernames).update(username=None, get_data="", post_data="")
    for model in (AccessFailureLog, AccessLog):
        model.objects.filter(username__in=usernames).update(username=None)
    TOTPDevice.objects.filter(user_id__in=user_ids).delete()
    own_borrower = Borrower.objects.filter(user_id=OuterRef("pk")).values("pk")[:1]
    User.objects.filter(pk__in=user_ids).update(
        username=Concat(Value(LOGIN_PREFIX), Cast(Subquery(own_borrower), CharField())),
        password=make_password(None),
        is_active=False,
        first_name="",
        last_name="",
        email="",
    )
    # INSERT ... SELECT: one statement however many tokens (the ORM's bulk_create would read
    # them first); the SELECT is the ORM's, so it runs on PostgreSQL and SQLite alike.
    if not user_ids:
        return  # as the ORM does for an empty IN: no statement
    tokens = OutstandingToken.objects.filter(user_id__in=user_ids, blacklistedtoken__isnull=True).values("id")
    select, params = tokens.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BlacklistedToken._meta.db_table} (token_id, blacklisted_at) "
            f"SELECT t.id, %s FROM ({select}) t",
            [timezone.now(), *params],
        )


def _stored_responses_forget(user_ids: list[int], values: list[str]) -> None:
    """The stored API responses (the Idempotency-Key's replays) of the borrowers' logins or
    naming their ID number, mobile or name: deleted (a key lives 24 hours, a replay after the
    anonymisation has nothing to return). One DELETE."""
    match = Q(user_id__in=user_ids)
    for value in values:
        match |= Q(response_body__icontains=value)
    IdempotencyRecord.objects.filter(match).delete()


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
