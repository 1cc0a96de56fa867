"""collection.services.recoveries and its page and API: a recovery on a written-off loan is a
maker-checker pair. Recorded by one person (pending, nothing on the books), confirmed by
another (the balanced journal entry is posted then) or returned with a reason; nobody decides
what they recorded (a 403 with the reason on the API and the page); only confirmed recoveries
count in the reports."""

from datetime import date
from decimal import Decimal

import pytest

from collection.case_models import Recovery, RecoveryStatus
from collection.services.recoveries import recovery_confirm, recovery_record, recovery_return
from collection.services.writeoffs import writeoff_approve
from collection.workflow import RECOVERY_WORKFLOW
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, JournalEntry, balances_by_loan
from microloan.models import AuditEvent, Role
from microloan.workflow import NEW, REGISTRY

from ..conftest import client_for
from ..kernel.factories import UserFactory
from ..workflow_cases import check_four_eyes, check_one_move, every_move, four_eyes_moves, statuses_are_the_enums
from .factories import FIRST_OVERDUE_DAY, write_off_proposed

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal
DAY = FIRST_OVERDUE_DAY  # the business date the write-off is approved on
CHECKERS = {Role.MANAGER, Role.SUPERVISOR}

# (action): (from, to, roles, needs a reason, four eyes: not by whoever did these)
EXPECTED = {
    "record": (NEW, "pending", {Role.OFFICER, Role.MANAGER, Role.COLLECTOR}, False, set()),
    "confirm": ("pending", "confirmed", CHECKERS, False, {"record"}),
    "return": ("pending", "returned", CHECKERS, True, {"record"}),
}


@pytest.fixture
def written_off(case, collectors, approver, loan):
    """The fixture loan written off on 2026-12-21 (proposed by a collector, approved by the manager)."""
    writeoff_approve(actor=approver, write_off=write_off_proposed(loan, by=collectors[0]))
    loan.refresh_from_db()
    assert loan.status == "written_off"
    return loan


def record(loan, by, amount="1234.00", **kw):
    return recovery_record(
        actor=by, loan=loan, amount=D(amount), received_on=kw.pop("received_on", DAY), channel="cash", **kw
    )


def history(pk):
    return list(
        AuditEvent.objects.filter(entity="recovery", entity_id=pk)
        .order_by("id")
        .values_list("action", "from_state", "to_state", "actor", "reason")
    )


def recovered(loan):
    return balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.RECOVERY_INCOME, Acct.CASH]).get(loan.pk, {})


# --- the table, whole ---------------------------------------------------------------------


def test_the_table_is_this_and_registered():
    assert REGISTRY["recovery"] is RECOVERY_WORKFLOW
    assert set(RECOVERY_WORKFLOW.transitions) == set(EXPECTED)
    for action, t in RECOVERY_WORKFLOW.transitions.items():
        source, target, roles, reason, not_by = EXPECTED[action]
        assert (set(t.sources), t.target, set(t.roles), t.needs_reason, set(t.not_by)) == (
            {source},
            target,
            roles,
            reason,
            not_by,
        )
        assert t.label and t.display != action and not t.system
    statuses_are_the_enums(RECOVERY_WORKFLOW, RecoveryStatus.values)


@pytest.mark.parametrize("workflow,action,status,role", every_move(RECOVERY_WORKFLOW, RecoveryStatus.values))
def test_every_move_allowed_or_refused(workflow, action, status, role):
    check_one_move(workflow, Recovery, action, status, role)


@pytest.mark.parametrize("workflow,action", four_eyes_moves([RECOVERY_WORKFLOW]))
def test_four_eyes_whoever_recorded_may_not_decide(workflow, action, branch):
    check_four_eyes(workflow, Recovery, action, lambda role: UserFactory(role=role, branch=branch))


# --- the services -------------------------------------------------------------------------


def test_the_journal_entry_is_posted_on_confirmation_only_and_balances(written_off, collectors, supervisor):
    r = record(written_off, collectors[0], reference="R-1")
    assert (r.status, r.recorded_by, r.decided_by) == ("pending", collectors[0], None)
    assert not JournalEntry.objects.filter(kind="recovery").exists()
    assert recovered(written_off).get(Acct.RECOVERY_INCOME, D(0)) == 0

    recovery_confirm(actor=supervisor, recovery=r)
    r.refresh_from_db()
    assert (r.status, r.decided_by) == ("confirmed", supervisor) and r.decided_at is not None
    entry = JournalEntry.objects.get(kind="recovery")
    lines = list(entry.lines.values_list("account__code", "debit", "credit"))
    assert sorted(lines) == [(Acct.CASH, D("1234.00"), D("0")), (Acct.RECOVERY_INCOME, D("0"), D("1234.00"))]
    assert sum(d for _a, d, _c in lines) == sum(c for _a, _d, c in lines)
    assert entry.business_date == DAY and entry.source_key == f"recovery:{r.pk}"
    assert recovered(written_off)[Acct.RECOVERY_INCOME] == D("1234.00")
    assert history(r.pk) == [
        ("record", "", "pending", collectors[0].pk, ""),
        ("confirm", "pending", "confirmed", supervisor.pk, ""),
    ]
    assert AuditEvent.objects.filter(entity="loan", entity_id=written_off.pk, action="recovery").count() == 1
    with pytest.raises(TransitionNotAllowed):
        recovery_confirm(actor=supervisor, recovery=r)  # once
    assert JournalEntry.objects.filter(kind="recovery").count() == 1


def test_the_recorder_may_not_confirm_or_return_it_even_as_a_manager(written_off, approver, supervisor):
    r = record(written_off, approver)
    with pytest.raises(NotAllowed, match="Four eyes"):
        recovery_confirm(actor=approver, recovery=r)
    with pytest.raises(NotAllowed, match="Four eyes"):
        recovery_return(actor=approver, recovery=r, reason="mine")
    r.refresh_from_db()
    assert r.status == "pending" and not JournalEntry.objects.filter(kind="recovery").exists()
    assert RECOVERY_WORKFLOW.available(obj=r, actor=approver) == []
    assert [t.action for t in RECOVERY_WORKFLOW.available(obj=r, actor=supervisor)] == ["confirm", "return"]


def test_a_return_needs_a_reason_and_posts_nothing(written_off, collectors, supervisor):
    r = record(written_off, collectors[0])
    with pytest.raises(InvalidInput) as exc:
        recovery_return(actor=supervisor, recovery=r, reason="  ")
    assert "reason" in exc.value.errors
    recovery_return(actor=supervisor, recovery=r, reason="wrong amount")
    r.refresh_from_db()
    assert (r.status, r.decided_by, r.return_reason) == ("returned", supervisor, "wrong amount")
    assert history(r.pk)[-1] == ("return", "pending", "returned", supervisor.pk, "wrong amount")
    assert not JournalEntry.objects.filter(kind="recovery").exists()
    with pytest.raises(TransitionNotAllowed):
        recovery_confirm(actor=supervisor, recovery=r)


def test_only_collectors_record(written_off, supervisor, branch):
    with pytest.raises(NotAllowed):
        record(written_off, supervisor)
    with pytest.raises(NotAllowed):
        record(written_off, UserFactory(role=Role.AUDITOR, branch=branch))
    assert Recovery.objects.count() == 0


def test_only_on_a_written_off_loan(loan, collectors):
    with pytest.raises(TransitionNotAllowed):
        record(loan, collectors[0], received_on=date(2026, 11, 20))
    assert Recovery.objects.count() == 0


@pytest.mark.parametrize(
    "amount,received_on,field",
    [
        ("0.00", DAY, "amount"),
        ("-5.00", DAY, "amount"),
        ("10.00", date(2027, 6, 1), "received_on"),  # after the business date
        ("10.00", date(2026, 12, 1), "received_on"),  # before the write-off
    ],
)
def test_bad_input_names_the_field(written_off, collectors, amount, received_on, field):
    with pytest.raises(InvalidInput) as exc:
        record(written_off, collectors[0], amount=amount, received_on=received_on)
    assert field in exc.value.errors and Recovery.objects.count() == 0


def test_pending_and_returned_recoveries_are_on_no_books(written_off, collectors, supervisor):
    """(The reports' side — a pending recovery uncounted — is tests/reporting's fixture: nothing
    outside reporting imports it.)"""
    confirmed = record(written_off, collectors[0], "1000.00")
    recovery_confirm(actor=supervisor, recovery=confirmed)
    record(written_off, collectors[0], "200.00")  # pending
    recovery_return(actor=supervisor, recovery=record(written_off, collectors[1], "30.00"), reason="duplicate")
    assert recovered(written_off)[Acct.RECOVERY_INCOME] == D("1000.00")


# --- the API --------------------------------------------------------------------------------

BODY = {"amount": "1234.00", "received_on": "2026-12-21", "channel": "transfer", "reference": "BK-7"}


def test_api_record_then_the_recorder_is_refused_403_and_another_confirms(written_off, approver, supervisor):
    url = f"/api/v1/loans/{written_off.pk}/recoveries/"
    r = client_for(approver).post(url, BODY, format="json")
    assert r.status_code == 201, r.data
    assert (r.data["status"], r.data["amount"], r.data["recorded_by"]) == ("pending", "1234.00", approver.pk)
    pk = r.data["id"]
    r = client_for(approver).post(f"/api/v1/recoveries/{pk}/confirm/", {}, format="json")
    assert r.status_code == 403 and "Four eyes" in r.data["detail"] and "record" in r.data["detail"]
    r = client_for(approver, "zh-hans").post(f"/api/v1/recoveries/{pk}/return/", {"reason": "x"}, format="json")
    assert r.status_code == 403 and "双人复核" in r.data["detail"]
    assert not JournalEntry.objects.filter(kind="recovery").exists()

    r = client_for(supervisor).post(f"/api/v1/recoveries/{pk}/confirm/", {}, format="json")
    assert r.status_code == 200 and r.data["status"] == "confirmed" and r.data["decided_by"] == supervisor.pk
    r = client_for(supervisor).post(f"/api/v1/recoveries/{pk}/confirm/", {}, format="json")
    assert r.status_code == 409 and r.data["status"] == "confirmed"
    listed = client_for(supervisor).get(url)
    assert listed.status_code == 200 and [x["id"] for x in listed.data["results"]] == [pk]
    assert JournalEntry.objects.filter(kind="recovery").count() == 1


def test_api_return_needs_a_reason(written_off, collectors, supervisor):
    r = record(written_off, collectors[0])
    resp = client_for(supervisor).post(f"/api/v1/recoveries/{r.pk}/return/", {}, format="json")
    assert resp.status_code == 400 and "reason" in resp.data
    resp = client_for(supervisor).post(f"/api/v1/recoveries/{r.pk}/return/", {"reason": "typo"}, format="json")
    assert resp.status_code == 200 and resp.data["status"] == "returned" and resp.data["return_reason"] == "typo"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "１００.００"}, "amount"),  # full-width digits
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"received_on": "2027-06-01"}, "received_on"),
        ({"channel": "barter"}, "channel"),
        ({"reference": "x" * 101}, "reference"),
    ],
)
def test_api_bad_input_is_400_naming_the_field(written_off, collectors, change, field):
    r = client_for(collectors[0]).post(f"/api/v1/loans/{written_off.pk}/recoveries/", {**BODY, **change}, format="json")
    assert r.status_code == 400 and field in r.data, r.data
    assert Recovery.objects.count() == 0


def test_api_a_live_loan_is_409_another_branch_404_and_borrowers_403(loan, collectors, other_branch, borrower_user):
    r = client_for(collectors[0]).post(f"/api/v1/loans/{loan.pk}/recoveries/", BODY, format="json")
    assert r.status_code == 409 and r.data["status"] == "active"
    stranger = UserFactory(role=Role.COLLECTOR, branch=other_branch)
    assert client_for(stranger).get(f"/api/v1/loans/{loan.pk}/recoveries/").status_code == 404
    assert client_for(borrower_user).get(f"/api/v1/loans/{loan.pk}/recoveries/").status_code == 403


def test_api_an_idempotency_key_records_once(written_off, collectors):
    api = client_for(collectors[0])
    url = f"/api/v1/loans/{written_off.pk}/recoveries/"
    first = api.post(url, BODY, format="json", HTTP_IDEMPOTENCY_KEY="rec-1")
    again = api.post(url, BODY, format="json", HTTP_IDEMPOTENCY_KEY="rec-1")
    assert first.status_code == again.status_code == 201 and first.data["id"] == again.data["id"]
    assert again["Idempotent-Replayed"] == "true" and Recovery.objects.count() == 1
    other = api.post(url, {**BODY, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="rec-1")
    assert other.status_code == 422 and Recovery.objects.count() == 1


def test_api_a_stranger_from_another_branch_does_not_find_the_recovery(written_off, collectors, other_branch):
    r = record(written_off, collectors[0])
    stranger = UserFactory(role=Role.SUPERVISOR, branch=other_branch)
    assert client_for(stranger).post(f"/api/v1/recoveries/{r.pk}/confirm/", {}, format="json").status_code == 404


# --- the pages ------------------------------------------------------------------------------


def test_the_case_page_records_a_recovery_that_waits_for_confirmation(client, case, written_off, collectors):
    client.force_login(collectors[0])
    url = f"/collections/{case.pk}/"
    assert 'id="recovery-form"' in client.get(url).content.decode()
    r = client.post(
        url,
        {"step": "recovery", "amount": "500.00", "received_on": "2026-12-21", "channel": "cash"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert r.status_code == 200 and "waits for confirmation" in r.content.decode()
    rec = Recovery.objects.get()
    assert (rec.status, rec.amount, rec.recorded_by) == ("pending", D("500.00"), collectors[0])
    assert not JournalEntry.objects.filter(kind="recovery").exists()
    # bad input stays on the form, named
    r = client.post(url, {"step": "recovery", "amount": "-1", "received_on": "2026-12-21", "channel": "cash"})
    assert r.status_code == 200 and r.context["recovery_form"].errors.get("amount")
    r = client.post(url, {"step": "recovery", "amount": "5.00", "received_on": "2026-12-01", "channel": "cash"})
    assert r.context["recovery_form"].errors.get("received_on") and Recovery.objects.count() == 1


def test_the_queue_shows_buttons_only_to_another_person_and_refuses_the_recorder_403(
    client, written_off, approver, supervisor
):
    rec = record(written_off, approver)
    client.force_login(approver)
    page = client.get("/recoveries/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-recovery="{rec.pk}"' in text and f"/recoveries/{rec.pk}/decision/" not in text
    r = client.post(f"/recoveries/{rec.pk}/decision/", {"action": "confirm"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "Four eyes: you may not confirm this recovery" in r.content.decode()
    r = client.post(f"/recoveries/{rec.pk}/decision/", {"action": "return", "reason": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "Four eyes" in r.content.decode()
    rec.refresh_from_db()
    assert rec.status == "pending"

    client.force_login(supervisor)
    text = client.get("/recoveries/").content.decode()
    assert f"/recoveries/{rec.pk}/decision/" in text and 'value="confirm"' in text and 'id="nav-recoveries"' in text
    r = client.post(f"/recoveries/{rec.pk}/decision/", {"action": "dance"})
    assert r.status_code == 400 and "action" in r.context["decision_form"].errors
    r = client.post(f"/recoveries/{rec.pk}/decision/", {"action": "return", "reason": ""})
    assert r.status_code == 400 and "reason" in r.context["decision_form"].errors
    r = client.post(f"/recoveries/{rec.pk}/decision/", {"action": "confirm"})
    assert r.status_code == 302 and r["Location"] == "/recoveries/"
    rec.refresh_from_db()
    assert rec.status == "confirmed" and JournalEntry.objects.filter(kind="recovery").count() == 1
    assert f'data-recovery="{rec.pk}"' not in client.get("/recoveries/").content.decode()


def test_the_queue_is_branch_scoped_and_its_queries_constant(
    client, written_off, collectors, supervisor, other_branch, django_assert_max_num_queries
):
    record(written_off, collectors[0])
    client.force_login(supervisor)
    with django_assert_max_num_queries(12) as one:
        assert client.get("/recoveries/").status_code == 200
    for i in range(5):
        record(written_off, collectors[i % 2], amount=f"{10 + i}.00")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/recoveries/")
    assert len(page.context["page"].object_list) == 6
    stranger = UserFactory(role=Role.SUPERVISOR, branch=other_branch)
    client.force_login(stranger)
    assert len(client.get("/recoveries/").context["page"].object_list) == 0
    assert client.post(f"/recoveries/{Recovery.objects.first().pk}/decision/", {"action": "confirm"}).status_code == 404
    client.force_login(UserFactory(role=Role.REVIEWER, branch=written_off.branch))
    assert client.get("/recoveries/").status_code == 403
