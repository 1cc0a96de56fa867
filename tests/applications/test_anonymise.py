"""Anonymisation (PIPL): borrowers whose every application was rejected or withdrawn longer
ago than the retention, and who never had a loan, lose their personal data — set-based, by
chunks, idempotent for its business date — and keep their audit trail."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, Borrower, Consent, Document
from applications.services import anonymisable, applicants_anonymise
from applications.tasks import anonymise_applicants
from microloan import scenarios
from microloan.models import AuditEvent
from microloan.policy import policy

from .factories import ApplicationFactory, BorrowerFactory, DocumentFactory, LeadFactory

DECIDED = datetime(2023, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DECIDED_ON = DECIDED.date()
DUE = DECIDED_ON + timedelta(days=1095)  # the first business date past the default retention


def _refused(branch, *, status="rejected", at=DECIDED, **borrower_kw):
    """A borrower with one application ``status`` since ``at``, a document and a consent."""
    with time_machine.travel(at, tick=False):
        borrower = BorrowerFactory(
            branch=branch,
            address="北京市朝阳区建国路88号",
            marital_status="married",
            spouse_name="王芳",
            spouse_id_number="110105199001011234",
            email="a@example.com",
            **borrower_kw,
        )
        app = ApplicationFactory(
            borrower=borrower,
            status=status,
            guarantors=[{"name": "李四", "id_number": "110105198001011230"}],
            collateral=[{"kind": "car", "owner": "张三"}],
        )
        DocumentFactory(application=app, original_name="张三身份证.pdf")
        Consent.objects.create(
            borrower=borrower,
            purpose="data_processing",
            granted_on=DECIDED_ON,
            file=DocumentFactory.file.function(),
            content_type="application/pdf",
            size=10,
            sha256="1" * 64,
            captured_by=app.created_by,
        )
    return borrower


def test_an_eligible_borrower_is_anonymised_and_their_files_deleted(branch, django_capture_on_commit_callbacks):
    # given
    borrower = _refused(branch)
    LeadFactory(borrower=borrower, officer=borrower.applications.get().created_by, name="张三", mobile="13911112222")
    files = [d.file.name for d in Document.objects.all()] + [c.file.name for c in Consent.objects.all()]
    assert all(default_storage.exists(f) for f in files)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = applicants_anonymise(business_date=DUE)
    # then
    assert result == {"business_date": DUE.isoformat(), "borrowers": 1, "files": 2}
    b = Borrower.objects.get(pk=borrower.pk)
    assert b.full_name == f"已匿名 #{b.pk}" and b.id_number == f"X{b.pk:017d}"
    assert (b.mobile, b.email, b.address, b.spouse_name, b.spouse_id_number) == ("", "", "", "", "")
    assert b.date_of_birth == date(borrower.date_of_birth.year, 1, 1)
    app = Application.objects.get(borrower=b)
    assert app.guarantors == [] and app.collateral == []
    assert b.leads.get().mobile == "" and "张三" not in b.leads.get().name
    assert not any(default_storage.exists(f) for f in files)
    assert set(Document.objects.values_list("file", "original_name")) == {("", "")}
    assert set(Consent.objects.values_list("file", flat=True)) == {""}


def test_withdrawn_counts_as_refused(branch):
    borrower = _refused(branch, status="withdrawn")
    assert applicants_anonymise(business_date=DUE)["borrowers"] == 1
    assert Borrower.objects.get(pk=borrower.pk).full_name.startswith("已匿名")


@pytest.mark.parametrize("other_status", ["disbursed", "submitted", "approved", "returned", "draft"])
def test_a_borrower_with_a_loan_or_an_open_application_is_kept(branch, other_status):
    # given a refused application and another that had a loan (disbursed) or is still open
    borrower = _refused(branch)
    with time_machine.travel(DECIDED, tick=False):
        ApplicationFactory(borrower=borrower, status=other_status)
    # when / then
    assert applicants_anonymise(business_date=DUE + timedelta(days=3650))["borrowers"] == 0
    assert Borrower.objects.get(pk=borrower.pk).full_name == borrower.full_name


def test_a_decision_within_the_retention_is_kept_until_it_passes(branch):
    borrower = _refused(branch)
    assert applicants_anonymise(business_date=DUE - timedelta(days=1))["borrowers"] == 0
    assert Borrower.objects.get(pk=borrower.pk).id_number == borrower.id_number
    assert applicants_anonymise(business_date=DUE)["borrowers"] == 1


def test_a_borrower_without_applications_is_not_an_applicant(branch):
    with time_machine.travel(DECIDED, tick=False):
        BorrowerFactory(branch=branch)
    assert not anonymisable(DUE).exists()


def test_the_retention_is_policy(branch, settings):
    _refused(branch)
    settings.PRIVACY = {"RETENTION_DAYS": 30}
    assert policy().privacy.retention_days == 30
    assert applicants_anonymise(business_date=DECIDED_ON + timedelta(days=30))["borrowers"] == 1
    settings.PRIVACY = {"RETENTION_DAYS": 0}
    with pytest.raises(ImproperlyConfigured, match="RETENTION_DAYS"):
        policy()


def test_a_second_run_changes_nothing_and_the_audit_trail_is_kept(branch, officer):
    # given a borrower walked through the services: created, submitted and withdrawn (audited)
    with time_machine.travel(DECIDED, tick=False):
        borrower = BorrowerFactory(branch=branch)
        app = scenarios.application_draft(
            officer=officer, borrower=borrower, product=_product(), amount="5000.00", term=6
        )
        scenarios.application_withdrawn(app, officer=officer)
    trail = list(AuditEvent.objects.filter(entity="application", entity_id=app.pk).values_list("id", flat=True))
    assert len(trail) >= 3
    # when
    assert applicants_anonymise(business_date=DUE)["borrowers"] == 1
    assert applicants_anonymise(business_date=DUE)["borrowers"] == 0
    assert applicants_anonymise(business_date=DUE + timedelta(days=1))["borrowers"] == 0
    # then: one audit row for the borrower, references only, and the application's trail intact
    (event,) = AuditEvent.objects.filter(entity="borrower", entity_id=borrower.pk, action="anonymise")
    assert event.actor is None and event.data == {"business_date": DUE.isoformat()}
    assert list(AuditEvent.objects.filter(entity="application", entity_id=app.pk).values_list("id", flat=True)) == trail


def test_a_chunk_is_set_based(branch, settings):
    # given one eligible borrower, then five: one chunk each time
    _refused(branch)
    with CaptureQueriesContext(connection) as one:
        assert applicants_anonymise(business_date=DUE)["borrowers"] == 1
    for _ in range(5):
        _refused(branch)
    with CaptureQueriesContext(connection) as five:
        assert applicants_anonymise(business_date=DUE)["borrowers"] == 5
    # then: the same statements, whatever the chunk holds
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_run_goes_chunk_by_chunk(branch, settings):
    for _ in range(7):
        _refused(branch)
    settings.PRIVACY = {"CHUNK": 3}
    assert applicants_anonymise(business_date=DUE)["borrowers"] == 7
    assert AuditEvent.objects.filter(action="anonymise").count() == 7
    assert not anonymisable(DUE).exists()


def test_the_command_and_the_task_run_the_same_job(branch, capsys):
    _refused(branch)
    call_command("anonymise_applicants", "--date", DUE.isoformat())
    assert "borrowers: 1" in capsys.readouterr().out
    _refused(branch)
    assert anonymise_applicants(business_date=DUE.isoformat())["borrowers"] == 1


def test_the_job_is_in_the_daily_schedule():
    from microloan.celery import app

    assert any(e["task"] == "applications.anonymise_applicants" for e in app.conf.beat_schedule.values())


def _product():
    from .factories import ProductFactory

    return ProductFactory(required_documents=["borrower_id"])


def test_an_anonymised_borrowers_consent_no_longer_opens(branch, officer):
    from django.http import Http404

    from applications.documents.serving import consent_open

    borrower = _refused(branch)
    consent = Consent.objects.get(borrower=borrower)
    applicants_anonymise(business_date=DUE)
    with pytest.raises(Http404):
        consent_open(actor=officer, borrower_pk=borrower.pk, consent_pk=consent.pk, via="page", disposition="inline")


# --- everything that held them ---------------------------------------------------------------

NAME, MOBILE, ID_NUMBER = "赵六一", "13712345678", "11010519491231002X"


def _everywhere(branch):
    """A refused borrower with a login named by their mobile, a refresh token, an
    authenticator, a failed login, messages (in-app and by SMS), a stored API response, a lead
    registered again under the same mobile, a field visit, a contract, a complaint, feedback
    and a follow-up visit: each holding their name, mobile or ID number."""
    from axes.models import AccessAttempt
    from django.core.files.base import ContentFile
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework_simplejwt.tokens import RefreshToken

    from care.models import Feedback
    from microloan.idempotency import IdempotencyRecord
    from microloan.models import Role
    from microloan.notifications import Notification
    from servicing.models import Contract
    from underwriting.models import Investigation

    from ..care.factories import ComplaintFactory, FollowUpVisitFactory
    from ..kernel.factories import UserFactory

    borrower = _refused(branch, full_name=NAME, mobile=MOBILE, id_number=ID_NUMBER)
    app = borrower.applications.get()
    officer = app.created_by
    with time_machine.travel(DECIDED, tick=False):
        user = UserFactory(
            username=MOBILE, role=Role.BORROWER, first_name="六一", last_name="赵", email="z@example.com"
        )
        Borrower.objects.filter(pk=borrower.pk).update(user=user)
        RefreshToken.for_user(user)
        TOTPDevice.objects.create(user=user, name=MOBILE)
        AccessAttempt.objects.create(
            username=MOBILE,
            ip_address="10.0.0.1",
            user_agent="x",
            get_data="",
            post_data=f"username={MOBILE}",
            failures_since_start=1,
            http_accept="*/*",
            path_info="/login/",
        )
        Notification.objects.create(user=user, channel="inapp", body=f"{NAME}，您好", kind="welcome")
        Notification.objects.create(
            channel="sms", to_address=MOBILE, subject=NAME, body=f"尊敬的{NAME}：您的申请未获批准", kind="refusal"
        )
        IdempotencyRecord.objects.create(
            key="k1",
            scope=f"{officer.pk}:/api/v1/borrowers/",
            user=officer,
            request_hash="0" * 64,
            status_code=201,
            response_body={"full_name": NAME, "id_number": ID_NUMBER, "mobile": MOBILE},
        )
        LeadFactory(officer=officer, name=f"{NAME}（再次）", mobile=MOBILE, notes=f"{NAME} 又来了")
        Investigation.objects.create(
            application=app,
            visited_on=DECIDED_ON,
            findings=f"{NAME} 住北京市朝阳区建国路88号",
            purpose_verified=True,
            business_observations=f"电话 {MOBILE}",
            investigator=officer,
        )
        contract = Contract(
            application=app,
            version=1,
            language="zh-hans",
            number="ML1",
            sha256="2" * 64,
            terms={},
            generated_by=officer,
        )
        contract.pdf.save("ML1.pdf", ContentFile(f"{NAME} {ID_NUMBER}".encode()), save=False)
        contract.save()
        complaint = ComplaintFactory(borrower=borrower, description=f"我是{NAME}，电话{MOBILE}")
        Feedback.objects.create(
            borrower=borrower,
            branch=branch,
            complaint=complaint,
            subject_key=f"complaint:{complaint.pk}",
            score=2,
            comment=f"{NAME}不满意",
            business_date=DECIDED_ON,
        )
        FollowUpVisitFactory(borrower=borrower, findings=f"见到{NAME}", note=MOBILE)
    return borrower


def _rows_holding(*values) -> list[str]:
    """Every row of every table but the audit trail whose columns hold one of ``values``."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model is AuditEvent or model._meta.proxy or not model._meta.managed:
            continue
        for row in model._default_manager.values():
            text = " ".join(str(v) for v in row.values())
            found += [f"{model._meta.label} {row.get('id')}: {v}" for v in values if v in text]
    return found


def _snapshot() -> dict:
    from django.apps import apps

    return {
        m._meta.label: sorted(map(str, m._default_manager.values()))
        for m in apps.get_models()
        if m is not AuditEvent and not m._meta.proxy and m._meta.managed
    }


def test_nothing_personal_is_left_outside_the_audit_trail(branch, django_capture_on_commit_callbacks):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

    from microloan.idempotency import IdempotencyRecord
    from microloan.notifications import Notification

    # given
    borrower = _everywhere(branch)
    user_id = Borrower.objects.get(pk=borrower.pk).user_id
    assert len(_rows_holding(NAME, MOBILE, ID_NUMBER)) >= 12
    kept = IdempotencyRecord.objects.create(
        key="k2", scope="1:/api/v1/products/", request_hash="1" * 64, status_code=200, response_body={"id": 1}
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = applicants_anonymise(business_date=DUE)
    # then
    assert result["borrowers"] == 1 and result["files"] == 3  # the document, the consent, the contract
    assert _rows_holding(NAME, MOBILE, ID_NUMBER) == []
    from microloan.models import User

    login = User.objects.get(pk=user_id)
    assert login.username == f"anon-{borrower.pk}" and not login.is_active and not login.has_usable_password()
    tokens = OutstandingToken.objects.filter(user_id=user_id)
    assert tokens.exists() and BlacklistedToken.objects.filter(token__in=tokens).count() == tokens.count()
    assert set(Notification.objects.values_list("status", "last_error")) >= {("failed", "anonymised")}
    assert list(IdempotencyRecord.objects.all()) == [kept]


def test_the_anonymised_login_cannot_log_in(branch, rf):
    from django.contrib.auth import authenticate
    from rest_framework.test import APIClient

    from ..kernel.factories import PASSWORD

    borrower = _everywhere(branch)
    applicants_anonymise(business_date=DUE)
    with time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        for username in (MOBILE, f"anon-{borrower.pk}"):
            assert authenticate(rf.post("/login/"), username=username, password=PASSWORD) is None
            r = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
            assert r.status_code == 401


def test_a_second_run_over_everything_changes_nothing(branch, django_capture_on_commit_callbacks):
    _everywhere(branch)
    with django_capture_on_commit_callbacks(execute=True):
        applicants_anonymise(business_date=DUE)
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        assert applicants_anonymise(business_date=DUE + timedelta(days=1))["borrowers"] == 0
    assert _snapshot() == before


def test_the_erasures_are_set_based_too(branch):
    """The same statements for a chunk of one borrower and of three, each holding a login,
    tokens, messages, leads, a contract, complaints and the rest."""
    from microloan.notifications import notifications_anonymise

    global NAME, MOBILE, ID_NUMBER
    original = NAME, MOBILE, ID_NUMBER
    people = [
        ("赵六一", "13712345678", "11010519491231002X"),
        ("钱七", "13712345679", "110105194912310037"),
        ("孙八", "13712345670", "110105194912310045"),
        ("李九", "13712345671", "110105194912310053"),
    ]
    try:
        NAME, MOBILE, ID_NUMBER = people[0]
        _everywhere(branch)
        with CaptureQueriesContext(connection) as one:
            assert applicants_anonymise(business_date=DUE)["borrowers"] == 1
        for person in people[1:]:
            NAME, MOBILE, ID_NUMBER = person
            _everywhere(branch)
        with CaptureQueriesContext(connection) as three:
            assert applicants_anonymise(business_date=DUE)["borrowers"] == 3
    finally:
        NAME, MOBILE, ID_NUMBER = original
    assert len(three.captured_queries) == len(one.captured_queries)
    assert notifications_anonymise(user_ids=[], addresses=[]) == 0
