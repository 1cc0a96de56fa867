"""Four eyes on collection's moves: a refused move is a 403 carrying the reason, on the page
(never a 200 or a redirect with a flash) and on the API alike, and nothing changes; someone
else may take it.

- a write-off is approved or rejected by someone other than who proposed it (WRITE_OFF_WORKFLOW;
  the write-off endpoints of the API are not in this module's branch: the page only);
- a recovery is confirmed or returned by someone other than who recorded it (RECOVERY_WORKFLOW)."""

import pytest

from collection.case_models import Recovery
from collection.services.recoveries import recovery_record
from collection.services.writeoffs import writeoff_approve
from microloan.ledger import JournalEntry
from microloan.models import Role

from ..conftest import client_for
from ..kernel.factories import UserFactory
from .factories import FIRST_OVERDUE_DAY, write_off_proposed

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def refused(response, *words) -> bool:
    text = response.data["detail"] if hasattr(response, "data") else response.content.decode()
    return response.status_code == 403 and "Four eyes" in text and all(w in text for w in words)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_write_off_decision_is_refused_to_the_proposer_on_the_page(client, case, approver, loan, action):
    w = write_off_proposed(loan, by=approver)
    client.force_login(approver)
    url = f"/collections/{case.pk}/"
    assert 'value="write_off_decision"' not in client.get(url).content.decode()  # no buttons
    r = client.post(url, {"step": "write_off_decision", "write_off": w.pk, "action": action, "comment": ""}, **EN)
    assert refused(r, f"Four eyes: you may not {action} this write_off", "request")
    r = client.post(
        url,
        {"step": "write_off_decision", "write_off": w.pk, "action": action},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert r.status_code == 403 and "双人复核" in r.content.decode()
    w.refresh_from_db()
    loan.refresh_from_db()
    assert (w.status, loan.status) == ("requested", "active")

    client.force_login(UserFactory(role=Role.MANAGER, branch=loan.branch))
    assert 'value="write_off_decision"' in client.get(url).content.decode()
    r = client.post(url, {"step": "write_off_decision", "write_off": w.pk, "action": action})
    assert r.status_code == 302
    w.refresh_from_db()
    assert w.status == ("approved" if action == "approve" else "rejected")


@pytest.fixture
def pending_recovery(case, collectors, approver, loan):
    """A recovery on the written-off fixture loan, recorded by the manager ``approver``."""
    writeoff_approve(actor=approver, write_off=write_off_proposed(loan, by=collectors[0]))
    loan.refresh_from_db()
    return recovery_record(actor=approver, loan=loan, amount="700.00", received_on=FIRST_OVERDUE_DAY, channel="cash")


@pytest.mark.parametrize("action,body", [("confirm", {}), ("return", {"reason": "wrong loan"})])
def test_a_recovery_decision_is_refused_to_the_recorder_on_the_api_and_the_page(
    client, approver, supervisor, pending_recovery, action, body
):
    r = pending_recovery
    api = client_for(approver).post(f"/api/v1/recoveries/{r.pk}/{action}/", body, format="json")
    assert refused(api, "record")
    client.force_login(approver)
    page = client.post(f"/recoveries/{r.pk}/decision/", {"action": action, **body}, **EN)
    assert refused(page, f"Four eyes: you may not {action} this recovery", "record")
    r.refresh_from_db()
    assert r.status == "pending" and not JournalEntry.objects.filter(kind="recovery").exists()

    done = client_for(supervisor).post(f"/api/v1/recoveries/{r.pk}/{action}/", body, format="json")
    assert done.status_code == 200 and done.data["status"] == ("confirmed" if action == "confirm" else "returned")
    assert JournalEntry.objects.filter(kind="recovery").count() == (1 if action == "confirm" else 0)
    assert Recovery.objects.get().decided_by == supervisor
