"""Every report, its every CSV table and the trial balance, per role: a branch's staff see their
branch tree only, head office sees the whole institution, and a role without the report sees
nothing (#11 point 4)."""

import re
from decimal import Decimal

import pytest

from microloan.ledger import LedgerScope, trial_balance
from microloan.models import Role

from ..kernel.factories import UserFactory
from .conftest import REPORT_URLS

pytestmark = pytest.mark.django_db
M = Decimal
RANGE = {"date_from": "2026-10-01", "date_to": "2026-12-02"}
# What of each branch can show in a report: its code and name, its officers and approvers.
MARKS = {
    "A": ("BR-A ", "Branch A<", "officer_a<", "approver_x", "approver_y"),
    "A1": ("BR-A1", "Branch A1", "officer_a1"),
    "B": ("BR-B", "Branch B", "officer_b", "approver_z"),
}


def everything(client) -> str:
    """Every report page and every CSV table it offers, as one text (pages and CSVs alike)."""
    seen = []
    for url in REPORT_URLS[1:]:
        page = client.get(url, {**RANGE}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, url
        html = page.content.decode()
        seen.append(html)
        names = re.findall(r'id="csv-([\w-]+)"', html)
        assert names, url
        for name in names:
            body = client.get(url, {**RANGE, "format": "csv", "table": name}, HTTP_ACCEPT_LANGUAGE="en")
            assert body.status_code == 200 and body["Content-Type"].startswith("text/csv"), (url, name)
            # a CSV cell ends at a comma or a line end: mark the ends so the marks above match
            seen.append(body.content.decode("utf-8-sig").replace(",", "<,").replace("\r\n", "<\r\n"))
    return "\n".join(seen)


def shows(text: str, branch: str) -> bool:
    return any(mark in text for mark in MARKS[branch])


def test_branch_b_sees_only_branch_b_in_every_report_and_csv(book, decisions, manager_b, web):
    text = everything(web(manager_b))
    assert shows(text, "B")
    assert not shows(text, "A") and not shows(text, "A1")


def test_branch_a_sees_its_tree_and_not_branch_b(book, decisions, manager, web):
    text = everything(web(manager))
    assert shows(text, "A") and shows(text, "A1")
    assert not shows(text, "B")


def test_head_office_sees_every_branch(book, decisions, head_office, web):
    text = everything(web(head_office))
    assert shows(text, "A") and shows(text, "A1") and shows(text, "B")


def test_a_sub_branch_sees_only_itself(book, decisions, officer2, web, child_branch):
    manager_a1 = UserFactory(username="manager_a1", role=Role.MANAGER, branch=child_branch)
    text = everything(web(manager_a1))
    assert shows(text, "A1") and not shows(text, "B")
    assert "officer_a<" not in text and "approver_x" not in text


def test_an_officer_reads_the_par_of_their_tree_only_and_its_csv(book, officer, other_officer, web):
    client = web(officer)
    for name in ("branches", "products", "buckets"):
        assert client.get("/reports/par/", {"format": "csv", "table": name}).status_code == 200
    body = client.get("/reports/par/", {"format": "csv", "table": "branches"}).content.decode("utf-8-sig")
    assert "BR-A" in body and "BR-B" not in body
    body = web(other_officer).get("/reports/par/", {"format": "csv", "table": "branches"}).content.decode("utf-8-sig")
    assert "BR-B" in body and "BR-A" not in body
    for url in REPORT_URLS[2:]:
        assert client.get(url, {"format": "csv"}).status_code == 403, url


def test_the_trial_balance_per_role_adds_up_to_the_institution(
    book, manager, manager_b, head_office, web, branch, other_branch
):
    whole = trial_balance()
    mine = trial_balance(scope=LedgerScope(user=manager))
    theirs = trial_balance(scope=LedgerScope(user=manager_b))
    assert whole["balanced"] and mine["balanced"] and theirs["balanced"]
    assert mine["total_debit"] + theirs["total_debit"] == whole["total_debit"]
    assert theirs["total_debit"] > 0 and mine["total_debit"] > theirs["total_debit"]
    assert trial_balance(scope=LedgerScope(user=head_office))["total_debit"] == whole["total_debit"]
    # the page says the same per role; a branch of another tree is a 404
    r = web(manager_b).get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["tb"]["total_debit"] == theirs["total_debit"]
    assert "BR-A" not in r.content.decode()
    assert web(manager_b).get(f"/ledger/trial-balance/?branch={branch.pk}").status_code == 404
    r = web(head_office).get(f"/ledger/trial-balance/?branch={other_branch.pk}")
    assert r.status_code == 200 and r.context["tb"]["total_debit"] == theirs["total_debit"]
    # an officer reads no ledger
    assert web(UserFactory(role=Role.OFFICER, branch=branch)).get("/ledger/trial-balance/").status_code == 403
