"""The collection API (collection/api/): the worklist and a case, their filters refused with
the parameter's name, the borrower masked; contacts, promises and write-offs through their
services, each role refused where the table says no, the proposer of a write-off refused its
decision (four eyes), every POST replayed by its Idempotency-Key; the list costs the same
queries for one case as for ten."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.case_models import ContactAttempt, PromiseToPay, WriteOff
from microloan.business_date import business_date_set
from microloan.models import STAFF_ROLES, AuditEvent, Role
from microloan.permissions import can
from microloan.pii import mask_id_number, mask_mobile
from servicing.models import Loan

from ..applications.factories import BorrowerFactory
from ..conftest import client_for
from ..kernel.factories import BranchFactory, UserFactory
from .conftest import clone_loan
from .factories import CollectionCaseFactory, loss_class, write_off_proposed

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)

CASES = "/api/v1/collection/cases/"
WRITE_OFFS = "/api/v1/collection/write-offs/"
ROLES = [*sorted(STAFF_ROLES), Role.BORROWER]


def post(user, path, body=None, **headers):
    return client_for(user).post(path, body or {}, format="json", **headers)


# --- reading ---------------------------------------------------------------------------------


def test_the_worklist_lists_the_open_cases_own_first_borrower_masked(case, collectors, loan):
    loan.refresh_from_db()  # the close's figures
    other = clone_loan(loan)
    theirs = CollectionCaseFactory(loan=other, assigned_to=collectors[1])
    case.assigned_to = collectors[0]
    case.save(update_fields=["assigned_to"])

    r = client_for(collectors[1]).get(CASES)

    assert r.status_code == 200, r.content
    assert {"count", "next", "previous", "results"} <= set(r.data)
    assert [c["id"] for c in r.data["results"]] == [theirs.pk, case.pk]  # the caller's own first
    row = r.data["results"][1]
    assert (row["status"], row["assigned_to"], row["assigned_to_name"]) == ("open", collectors[0].pk, "collector0")
    assert row["loan"]["id"] == loan.pk and row["loan"]["days_past_due"] == 1
    assert row["loan"]["bucket"] == "1-30" and row["loan"]["overdue_amount"] == f"{loan.overdue_amount:.2f}"
    borrower = loan.borrower
    assert row["borrower"] == {
        "id": borrower.pk,
        "full_name": borrower.full_name,
        "mobile": mask_mobile(borrower.mobile),
    }
    assert borrower.mobile not in r.content.decode() and borrower.id_number not in r.content.decode()


def test_the_worklist_filters_by_status_bucket_and_collector(case, collectors, loan):
    other = CollectionCaseFactory(loan=clone_loan(loan), assigned_to=collectors[1])
    Loan.objects.filter(pk=other.loan_id).update(bucket="31-60")
    closed = CollectionCaseFactory(loan=clone_loan(loan), status="closed", outcome="cured")
    case.assigned_to = collectors[0]
    case.save(update_fields=["assigned_to"])
    api = client_for(collectors[0])

    def ids(query):
        r = api.get(CASES + query)
        assert r.status_code == 200, r.content
        return [c["id"] for c in r.data["results"]]

    assert set(ids("")) == {case.pk, other.pk}  # open ones by default, as the page
    assert ids("?status=closed") == [closed.pk]
    assert ids("?bucket=31-60") == [other.pk]
    assert ids("?assigned=me") == [case.pk]
    assert ids(f"?assigned={collectors[1].pk}") == [other.pk]
    assert ids("?status=open&bucket=1-30&assigned=me") == [case.pk]


@pytest.mark.parametrize(
    "query,field",
    [
        ("status=shut", "status"),
        ("bucket=1-31", "bucket"),
        ("assigned=you", "assigned"),
        ("assigned=%EF%BC%91", "assigned"),  # a full-width 1
        ("assigned=99999999999999999999", "assigned"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_parameter(case, collectors, query, field):
    r = client_for(collectors[0]).get(f"{CASES}?{query}")
    assert r.status_code == 400 and list(r.data) == [field], r.content


def test_a_bad_write_off_status_is_a_400_naming_it(collectors):
    r = client_for(collectors[0]).get(f"{WRITE_OFFS}?status=maybe")
    assert r.status_code == 400 and list(r.data) == ["status"]


def test_the_list_costs_the_same_queries_for_one_case_as_for_ten(case, collectors, loan):
    api = client_for(collectors[0])

    def queries():
        with CaptureQueriesContext(connection) as q:
            r = api.get(CASES)
        assert r.status_code == 200
        return len(r.data["results"]), len(q)

    one = queries()
    for _ in range(9):
        CollectionCaseFactory(loan=clone_loan(loan), assigned_to=collectors[1])
    ten = queries()
    assert (one[0], ten[0]) == (1, 10)
    assert one[1] == ten[1], (one, ten)
    assert one[1] <= 3  # the count and the page (the login is forced)


def test_staff_see_their_branch_tree_only(case, loan):
    elsewhere = UserFactory(role=Role.COLLECTOR, branch=BranchFactory(code="BR-Z", name="Elsewhere"))
    api = client_for(elsewhere)
    assert api.get(CASES).data["count"] == 0
    assert api.get(f"{CASES}{case.pk}/").status_code == 404
    assert post(elsewhere, f"{CASES}{case.pk}/contacts/", {"channel": "sms"}).status_code == 404
    assert not ContactAttempt.objects.exists()


def test_a_case_shows_its_loan_steps_contacts_promises_and_write_offs_masked(case, collectors, approver, loan):
    post(collectors[0], f"{CASES}{case.pk}/contacts/", {"channel": "call", "connected": True, "outcome": "promise"})
    post(collectors[0], f"{CASES}{case.pk}/promises/", {"amount": "300.00", "promised_on": "2026-12-23"})
    w = write_off_proposed(loan, by=collectors[0])

    r = client_for(approver).get(f"{CASES}{case.pk}/")

    assert r.status_code == 200, r.content
    d = r.data
    assert (d["id"], d["status"], d["loan"]["id"], d["loan"]["classification"]) == (case.pk, "open", loan.pk, "loss")
    assert [s["step"] for s in d["steps"]] == ["overdue_notice"]
    assert [(c["channel"], c["connected"], c["outcome"], c["refused"]) for c in d["contacts"]] == [
        ("call", True, "promise", False)
    ]
    assert [(p["amount"], p["promised_on"], p["status"]) for p in d["promises"]] == [("300.00", "2026-12-23", "open")]
    assert [(x["id"], x["status"], x["available_actions"]) for x in d["write_offs"]] == [
        (w.pk, "requested", ["approve", "reject"])
    ]
    assert d["borrower"]["mobile"] == mask_mobile(loan.borrower.mobile)
    body = r.content.decode()
    assert loan.borrower.mobile not in body and loan.borrower.id_number not in body
    assert mask_id_number(loan.borrower.id_number) not in body  # the ID number is not shown at all


# --- the moves ---------------------------------------------------------------------------------


def test_a_contact_is_logged_and_a_refused_one_is_a_403_with_the_reason(case, collectors):
    r = post(collectors[0], f"{CASES}{case.pk}/contacts/", {"channel": "call", "connected": True})
    assert r.status_code == 201, r.content
    assert (r.data["channel"], r.data["party"], r.data["connected"], r.data["refused"]) == (
        "call",
        "borrower",
        True,
        False,
    )
    assert r.data["actor_name"] == "collector0"

    r = post(collectors[0], f"{CASES}{case.pk}/contacts/", {"channel": "call", "party": "third_party"})

    assert r.status_code == 403
    assert "third parties" in r.data["detail"]
    assert r.data["contact"]["refused"] is True and r.data["contact"]["refusal_reason"] == r.data["detail"]
    assert ContactAttempt.objects.filter(case=case).count() == 2  # the refused attempt is logged too


@pytest.mark.parametrize(
    "body,field",
    [
        ({"channel": "fax"}, "channel"),
        ({"channel": "call", "party": "neighbour"}, "party"),
        ({"channel": "call", "outcome": "maybe"}, "outcome"),
        ({}, "channel"),
    ],
)
def test_a_bad_contact_is_a_400_naming_the_field(case, collectors, body, field):
    r = post(collectors[0], f"{CASES}{case.pk}/contacts/", body)
    assert r.status_code == 400 and field in r.data, r.content
    assert not ContactAttempt.objects.exists()


def test_a_promise_to_pay(case, collectors):
    business_date_set(value=date(2026, 12, 22))
    r = post(collectors[0], f"{CASES}{case.pk}/promises/", {"amount": "250.00", "promised_on": "2026-12-24"})
    assert r.status_code == 201, r.content
    assert (r.data["amount"], r.data["promised_on"], r.data["made_on"], r.data["status"]) == (
        "250.00",
        "2026-12-24",
        "2026-12-22",
        "open",
    )
    assert PromiseToPay.objects.get(pk=r.data["id"]).created_by == collectors[0]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"amount": "-5.00", "promised_on": "2026-12-24"}, "amount"),
        ({"amount": "２５０", "promised_on": "2026-12-24"}, "amount"),  # full-width digits
        ({"amount": "250.00", "promised_on": "2026-12-01"}, "promised_on"),  # before the business date
        ({"amount": "250.00", "promised_on": "24/12/2026"}, "promised_on"),
        ({"promised_on": "2026-12-24"}, "amount"),
    ],
)
def test_a_bad_promise_is_a_400_naming_the_field(case, collectors, body, field):
    r = post(collectors[0], f"{CASES}{case.pk}/promises/", body)
    assert r.status_code == 400 and field in r.data, r.content
    assert not PromiseToPay.objects.exists()


def test_a_promise_on_a_closed_case_is_a_409(case, collectors):
    case.status = "closed"
    case.save(update_fields=["status"])
    r = post(collectors[0], f"{CASES}{case.pk}/promises/", {"amount": "250.00", "promised_on": "2026-12-24"})
    assert r.status_code == 409 and r.data["status"] == "closed"


def test_write_off_proposed_then_the_proposer_is_refused_and_another_manager_approves(case, approver, loan):
    loan = loss_class(loan)
    r = post(approver, f"{CASES}{case.pk}/write-offs/", {"reason": "absconded"})
    assert r.status_code == 201, r.content
    assert (r.data["status"], r.data["requested_by"], r.data["available_actions"]) == ("requested", approver.pk, [])
    w = r.data["id"]

    refused = post(approver, f"{WRITE_OFFS}{w}/approve/")

    assert refused.status_code == 403
    assert refused.data["detail"].startswith("Four eyes")
    assert post(approver, f"{WRITE_OFFS}{w}/reject/", {"reason": "no"}).status_code == 403
    assert WriteOff.objects.get(pk=w).status == "requested"
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    r = post(boss, f"{WRITE_OFFS}{w}/approve/", {"comment": "agreed"})
    assert r.status_code == 200, r.content
    assert (r.data["status"], r.data["decided_by"], r.data["principal"]) == (
        "approved",
        boss.pk,
        f"{loan.outstanding_principal:.2f}",
    )
    loan.refresh_from_db()
    case.refresh_from_db()
    assert (loan.status, case.status, case.outcome) == ("written_off", "closed", "written_off")
    assert post(boss, f"{WRITE_OFFS}{w}/reject/").status_code == 409  # decided already


def test_write_off_rejected_with_a_reason_and_the_managers_queue(case, collectors, approver, loan):
    w = write_off_proposed(loan, by=collectors[0])
    queue = client_for(approver).get(f"{WRITE_OFFS}?status=requested")
    assert queue.status_code == 200
    assert [(x["id"], x["available_actions"]) for x in queue.data["results"]] == [(w.pk, ["approve", "reject"])]
    assert client_for(collectors[0]).get(f"{WRITE_OFFS}{w.pk}/").data["available_actions"] == []

    r = post(approver, f"{WRITE_OFFS}{w.pk}/reject/", {"reason": "keep collecting"})

    assert r.status_code == 200, r.content
    assert (r.data["status"], r.data["decided_by"]) == ("rejected", approver.pk)
    assert AuditEvent.objects.get(entity="write_off", entity_id=w.pk, action="reject").reason == "keep collecting"
    assert client_for(approver).get(f"{WRITE_OFFS}?status=requested").data["count"] == 0
    loan.refresh_from_db()
    assert loan.status == "active"


def test_a_write_off_of_a_loan_not_loss_class_is_a_409_and_without_a_reason_a_400(case, collectors, loan):
    r = post(collectors[0], f"{CASES}{case.pk}/write-offs/", {"reason": "absconded"})
    assert r.status_code == 409 and "loss" in r.data["detail"]
    loss_class(loan)
    r = post(collectors[0], f"{CASES}{case.pk}/write-offs/", {"reason": "  "})
    assert r.status_code == 400 and list(r.data) == ["reason"]
    assert not WriteOff.objects.exists()


def test_write_offs_of_another_branch_are_not_found(case, collectors, loan):
    w = write_off_proposed(loan, by=collectors[0])
    elsewhere = UserFactory(role=Role.MANAGER, branch=BranchFactory(code="BR-Z", name="Elsewhere"))
    assert client_for(elsewhere).get(WRITE_OFFS).data["count"] == 0
    assert post(elsewhere, f"{WRITE_OFFS}{w.pk}/approve/").status_code == 404
    assert WriteOff.objects.get(pk=w.pk).status == "requested"


# --- idempotency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,body,model",
    [
        ("contacts/", {"channel": "visit"}, ContactAttempt),
        ("promises/", {"amount": "250.00", "promised_on": "2026-12-24"}, PromiseToPay),
        ("write-offs/", {"reason": "absconded"}, WriteOff),
    ],
)
def test_a_post_replayed_with_its_idempotency_key_changes_nothing(case, collectors, loan, path, body, model):
    loss_class(loan)
    url = f"{CASES}{case.pk}/{path}"
    first = post(collectors[0], url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(collectors[0], url, body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert model.objects.count() == 1
    changed = post(collectors[0], url, {**body, "extra": 1}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert changed.status_code == 422


def test_a_decision_replayed_with_its_idempotency_key_is_the_first_answer(case, collectors, approver, loan):
    w = write_off_proposed(loan, by=collectors[0])
    url = f"{WRITE_OFFS}{w.pk}/approve/"
    first = post(approver, url, {"comment": "ok"}, HTTP_IDEMPOTENCY_KEY="approve-1")
    again = post(approver, url, {"comment": "ok"}, HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    # without the key the same approval is a new request, refused: decided already
    assert post(approver, url, {"comment": "ok"}).status_code == 409
    assert WriteOff.objects.get(pk=w.pk).status == "approved"


# --- the table ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_the_table_says_no(role, case, collectors, loan):
    user = UserFactory(role=role, branch=loan.branch, username=f"who-{role}")
    if role == Role.BORROWER:
        BorrowerFactory(user=user, branch=loan.branch)
    w = write_off_proposed(loan, by=collectors[0])
    operations = [
        ("GET", CASES, "collection.view"),
        ("GET", f"{CASES}{case.pk}/", "collection.view"),
        ("POST", f"{CASES}{case.pk}/contacts/", "collection.contact"),
        ("POST", f"{CASES}{case.pk}/promises/", "promise_to_pay.create"),
        ("POST", f"{CASES}{case.pk}/write-offs/", "write_off.request"),
        ("GET", WRITE_OFFS, "collection.view"),
        ("GET", f"{WRITE_OFFS}{w.pk}/", "collection.view"),
        ("POST", f"{WRITE_OFFS}{w.pk}/reject/", "write_off.reject"),
        ("POST", f"{WRITE_OFFS}{w.pk}/approve/", "write_off.approve"),
    ]
    api = client_for(user)
    wrong = []
    for method, path, entry in operations:
        # Empty bodies: an allowed role gets its answer, a 400 or a 409, never a 403.
        r = api.get(path) if method == "GET" else api.post(path, {}, format="json")
        if (r.status_code == 403) == can(user, entry):
            wrong.append(f"{method} {path} [{entry}] -> {r.status_code}")
    assert wrong == []
    if not can(user, "collection.contact"):
        assert not ContactAttempt.objects.exists() and not PromiseToPay.objects.exists()


def test_a_refusal_names_the_role_and_the_act(case, collectors):
    auditor = UserFactory(role=Role.AUDITOR, branch=case.branch)
    assert client_for(auditor).get(CASES).status_code == 200  # the auditor reads
    r = post(auditor, f"{CASES}{case.pk}/promises/", {"amount": "1.00", "promised_on": "2026-12-24"})
    assert r.status_code == 403 and r.data["detail"] == "Role 'Auditor' may not record promises to pay."


def test_the_schema_documents_every_operation(case):
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths[CASES]) == {"get"} and set(paths[CASES + "{id}/"]) == {"get"}
    for sub in ("contacts", "promises", "write-offs"):
        operation = paths[f"{CASES}{{id}}/{sub}/"]["post"]
        assert "Idempotency-Key" in [p["name"] for p in operation["parameters"]]
    for move in ("approve", "reject"):
        assert set(paths[f"{WRITE_OFFS}{{id}}/{move}/"]) == {"post"}
    assert {p["name"] for p in paths[CASES]["get"]["parameters"]} >= {"status", "bucket", "assigned", "page"}


def test_a_contacts_403_schema_fits_both_refusals(case):
    """The permission table's 403 (``detail`` only) and the conduct rules' (with the attempt)
    share one documented answer: ``contact`` is not required (schemathesis found it was)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["components"]["schemas"]["ContactRefusedOut"]["required"] == ["detail"]
    auditor = UserFactory(role=Role.AUDITOR, branch=case.branch)
    r = post(auditor, f"{CASES}{case.pk}/contacts/", {"channel": "phone", "outcome": "no_answer"})
    assert r.status_code == 403 and set(r.data) == {"detail"}
