"""Batch disaster deferral over a branch tree: proposed by one manager, approved by another
(four eyes, audited), applied set-based in chunks (a constant number of statements per chunk),
each live loan of the tree a new schedule version with the instalments not yet due moved
later; loans outside the tree, and loans no longer live, untouched. By hand: the fixture loan's
instalments fall on the 20th from 2026-12-20 to 2027-11-20; deferred by 2 periods on
2026-12-21, instalment 1 (past due) stays, instalment 2 moves from 2027-01-20 to 2027-03-20
and the last to 2028-01-20."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationStatus
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import AuditEvent, Branch, Role
from servicing.models import Contract, Installment, Loan, Restructuring
from servicing.restructuring_batch import batch_apply, batch_decide, batch_propose

from ..applications.factories import ApplicationFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 12, 21)


def clone(original: Loan, *, branch=None, status=None) -> Loan:
    app = ApplicationFactory(
        borrower=original.borrower, branch=original.branch, product=original.product, status=ApplicationStatus.DISBURSED
    )
    contract = Contract.objects.get(pk=original.contract_id)
    contract.pk, contract.application, contract.version = None, app, 1
    contract.save()
    copy = Loan.objects.get(pk=original.pk)
    copy.pk, copy.application, copy.contract = None, app, contract
    copy.branch = branch or original.branch
    copy.status = status or original.status
    copy.save()
    rows = list(Installment.objects.filter(loan=original).order_by("number"))
    for row in rows:
        row.pk, row.loan = None, copy
    Installment.objects.bulk_create(rows)
    return copy


@pytest.fixture
def tree(loan, branch):
    """The fixture loan and a copy in branch A, one in its child branch, one in another branch
    and a closed one in A."""
    child = Branch.objects.create(code="BR-A1", name="Branch A1", parent=branch)
    elsewhere = Branch.objects.create(code="BR-Z", name="Branch Z")
    business_date_set(value=DAY)
    return {
        "inside": [loan, clone(loan), clone(loan, branch=child)],
        "outside": clone(loan, branch=elsewhere),
        "closed": clone(loan, status="closed"),
    }


@pytest.fixture
def second_manager(branch):
    return UserFactory(username="manager_b", role=Role.MANAGER, branch=branch)


def dates(loan):
    return list(
        Installment.objects.filter(loan=loan, is_current=True).order_by("number").values_list("due_date", flat=True)
    )


def test_a_batch_defers_every_live_loan_of_the_tree_in_chunks(tree, branch, approver, second_manager):
    b = batch_propose(actor=approver, branch=branch, periods=2, reason="Typhoon Haikui")
    assert (b.status, b.loans_in_scope) == ("proposed", 3)
    before = {loan.pk: dates(loan) for loan in [*tree["inside"], tree["outside"], tree["closed"]]}

    b = batch_decide(actor=second_manager, batch=b, approve=True, comment="confirmed by the county")
    assert (b.status, b.loans_applied, b.effective_date) == ("approved", 3, DAY) and b.applied_at

    for loan in tree["inside"]:
        loan.refresh_from_db()
        assert (loan.status, loan.schedule_version, loan.maturity_date) == ("restructured", 2, date(2028, 1, 20))
        new = dates(loan)
        assert new[0] == date(2026, 12, 20)  # past due on the effective date: stays
        assert new[1:3] == [date(2027, 3, 20), date(2027, 4, 20)] and new[-1] == date(2028, 1, 20)
        old = Installment.objects.filter(loan=loan, schedule_version=1)
        assert old.count() == 12 and not old.filter(is_current=True).exists()
        r = Restructuring.objects.get(loan=loan)
        assert (r.kind, r.cause, r.periods, r.status, r.batch_id) == ("deferral", "disaster", 2, "approved", b.pk)
        assert (r.requested_by, r.decided_by, r.from_version, r.to_version) == (approver, second_manager, 1, 2)
        assert AuditEvent.objects.filter(entity="loan", entity_id=loan.pk, action="restructure").count() == 1
        assert AuditEvent.objects.filter(entity="restructuring", entity_id=r.pk, action="approve").count() == 1
    for loan in (tree["outside"], tree["closed"]):
        assert dates(loan) == before[loan.pk] and not Restructuring.objects.filter(loan=loan).exists()
    assert list(
        AuditEvent.objects.filter(entity="restructuring_batch", entity_id=b.pk)
        .order_by("id")
        .values_list("action", "actor")
    ) == [("propose", approver.pk), ("approve", second_manager.pk)]
    assert batch_apply(batch=b) == 0  # done: a re-run moves nothing


def test_a_chunk_takes_the_same_statements_for_one_loan_as_for_three(tree, branch, approver, second_manager):
    child = Branch.objects.get(code="BR-A1")
    one = batch_propose(actor=approver, branch=child, periods=1, reason="landslide")
    three = batch_propose(actor=approver, branch=branch, periods=1, reason="flood")
    counts = []
    for b, n in ((one, 1), (three, 3)):
        with CaptureQueriesContext(connection) as q:
            assert batch_decide(actor=second_manager, batch=b, approve=True).loans_applied == n
        counts.append(len(q))
    assert counts[0] == counts[1]


def test_an_interrupted_application_resumes_chunk_by_chunk(tree, branch, approver, second_manager, monkeypatch):
    import servicing.restructuring_batch as module

    monkeypatch.setattr(module, "CHUNK", 1)
    b = batch_propose(actor=approver, branch=branch, periods=1, reason="flood")
    b = batch_decide(actor=second_manager, batch=b, approve=True)
    assert b.loans_applied == 3 and Restructuring.objects.filter(batch=b).count() == 3


def test_the_proposer_may_not_decide_and_a_rejection_needs_a_reason(tree, branch, approver, second_manager):
    b = batch_propose(actor=approver, branch=branch, periods=1, reason="earthquake")
    with pytest.raises(NotAllowed, match="Four eyes"):
        batch_decide(actor=approver, batch=b, approve=True)
    with pytest.raises(InvalidInput):
        batch_decide(actor=second_manager, batch=b, approve=False, comment=" ")
    b = batch_decide(actor=second_manager, batch=b, approve=False, comment="not in the disaster area")
    assert b.status == "rejected" and not Restructuring.objects.exists()


def test_outside_the_tree_and_bad_periods_are_refused(tree, approver):
    with pytest.raises(NotAllowed):
        batch_propose(actor=approver, branch=Branch.objects.get(code="BR-Z"), periods=1, reason="flood")
    with pytest.raises(InvalidInput) as exc:
        batch_propose(actor=approver, branch=approver.branch, periods=13, reason="flood")
    assert "periods" in exc.value.errors


def test_an_officer_may_not_propose(tree, officer, branch):
    with pytest.raises(NotAllowed):
        batch_propose(actor=officer, branch=branch, periods=1, reason="flood")


def test_the_api_proposes_and_another_manager_approves(tree, branch, approver, second_manager, officer):
    r = client_for(approver).post(
        "/api/v1/restructuring-batches/", {"branch": branch.pk, "periods": 2, "reason": "typhoon"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert (r.data["status"], r.data["loans_in_scope"]) == ("proposed", 3)
    url = f"/api/v1/restructuring-batches/{r.data['id']}/decision/"
    own = client_for(approver).post(url, {"approve": True}, format="json")
    assert own.status_code == 403 and "Four eyes" in own.data["detail"]
    assert client_for(officer).post(url, {"approve": True}, format="json").status_code == 403
    d = client_for(second_manager).post(url, {"approve": True, "comment": "ok"}, format="json")
    assert d.status_code == 200 and (d.data["status"], d.data["loans_applied"]) == ("approved", 3)
    assert client_for(second_manager).post(url, {"approve": True}, format="json").status_code == 409
    listed = client_for(officer).get("/api/v1/restructuring-batches/")
    assert listed.status_code == 200 and [b["id"] for b in listed.data["results"]] == [r.data["id"]]
    bad = client_for(approver).post(
        "/api/v1/restructuring-batches/", {"branch": 999999, "periods": 0, "reason": ""}, format="json"
    )
    assert bad.status_code == 400 and {"periods", "reason"} <= set(bad.data)


def web(user):
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def test_the_page_proposes_and_offers_the_decision_to_another_manager_only(tree, branch, approver, second_manager):
    c = web(approver)
    page = c.get("/restructurings/batches/")
    assert page.status_code == 200 and b'id="batch-form"' in page.content
    r = c.post("/restructurings/batches/propose/", {"branch": branch.pk, "periods": 1, "reason": "flood"})
    assert r.status_code == 302
    mine = c.get("/restructurings/batches/")
    assert b"four-eyes" in mine.content and b'value="approve"' not in mine.content
    other = web(second_manager).get("/restructurings/batches/")
    assert b'value="approve"' in other.content
    from servicing.models import RestructuringBatch

    batch = RestructuringBatch.objects.get()
    d = web(second_manager).post(f"/restructurings/batches/{batch.pk}/decision/", {"action": "approve"})
    assert d.status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.loans_applied) == ("approved", 3)
    assert (
        c.post("/restructurings/batches/propose/", {"branch": branch.pk, "periods": 0, "reason": "x"}).status_code
        == 400
    )


# --- the tables, whole ----------------------------------------------------------------------

from microloan.workflow import REGISTRY  # noqa: E402
from servicing.models import BookImport, BookImportStatus, RestructuringBatch, RestructuringBatchStatus  # noqa: E402
from servicing.workflow import BOOK_IMPORT_WORKFLOW, RESTRUCTURING_BATCH_WORKFLOW  # noqa: E402

from ..workflow_cases import check_one_move, every_move, statuses_are_the_enums  # noqa: E402


def test_the_batch_and_book_import_tables_are_registered_and_their_statuses_the_enums():
    assert REGISTRY["restructuring_batch"] is RESTRUCTURING_BATCH_WORKFLOW
    assert REGISTRY["book_import"] is BOOK_IMPORT_WORKFLOW
    statuses_are_the_enums(RESTRUCTURING_BATCH_WORKFLOW, RestructuringBatchStatus.values)
    statuses_are_the_enums(BOOK_IMPORT_WORKFLOW, BookImportStatus.values)
    assert RESTRUCTURING_BATCH_WORKFLOW.transitions["approve"].not_by == {"propose"}
    assert BOOK_IMPORT_WORKFLOW.transitions["apply"].not_by == {"check"}


@pytest.mark.parametrize(
    "workflow,action,status,role", every_move(RESTRUCTURING_BATCH_WORKFLOW, RestructuringBatchStatus.values)
)
def test_every_batch_move_allowed_or_refused(workflow, action, status, role):
    check_one_move(workflow, RestructuringBatch, action, status, role)


@pytest.mark.parametrize("workflow,action,status,role", every_move(BOOK_IMPORT_WORKFLOW, BookImportStatus.values))
def test_every_book_import_move_allowed_or_refused(workflow, action, status, role):
    check_one_move(workflow, BookImport, action, status, role)


def test_the_batch_page_makes_the_same_queries_for_one_batch_as_for_four(tree, branch, approver, second_manager):
    c = web(second_manager)
    batch_propose(actor=approver, branch=branch, periods=1, reason="flood")
    c.get("/restructurings/batches/")  # warm (session, sites)
    with CaptureQueriesContext(connection) as one:
        assert c.get("/restructurings/batches/").status_code == 200
    for k in range(3):
        batch_propose(actor=approver, branch=branch, periods=1, reason=f"flood {k}")
    with CaptureQueriesContext(connection) as four:
        page = c.get("/restructurings/batches/")
    assert page.content.count(b'value="approve"') == 4
    assert len(four) == len(one)


def test_the_loan_pages_form_names_the_kind_and_takes_the_new_rate(loan, officer, approver):
    business_date_set(value=date(2026, 12, 5))
    c = web(officer)
    page = c.get(f"/loans/{loan.pk}/").content.decode()
    # (in the officer's language: the label's translation, and what each kind takes under it)
    assert "重组方式" in page and 'id="id_kind-help"' in page and 'name="new_rate"' in page
    assert 'value="interest_reduction"' in page and 'value="overdue_deferral"' in page
    r = c.post(
        f"/loans/{loan.pk}/",
        {
            "step": "restructure",
            "kind": "interest_reduction",
            "cause": "disaster",
            "new_rate": "0.06",
            "reason": "flood",
        },
    )
    assert r.status_code == 302
    assert Restructuring.objects.get(loan=loan).new_rate == Decimal("0.06")
