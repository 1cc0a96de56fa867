"""underwriting/configkinds.py: authority limits, the credit committee, a staff member's own
approval limit and the scorecard change only through a proposal another administrator
applies (microloan.config)."""

import copy
from decimal import Decimal

import pytest

from microloan.config import services as config
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import Role
from underwriting import scoring
from underwriting.models import AuthorityLimit, CommitteeMember, Scorecard
from underwriting.services import authority_limit, scorecard_active

from ..kernel.factories import administrators

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(branch):
    return administrators(branch)


def propose(actor, kind, operation, **kwargs):
    return config.config_change_propose(actor=actor, kind=kind, operation=operation, **kwargs)


def test_an_authority_limit_is_created_changed_and_deleted(admins, branch, approver):
    maker, checker = admins
    approver.approval_limit = None
    approver.save(update_fields=["approval_limit"])
    made = propose(
        maker, "authority_limit", "create", payload={"role": "manager", "branch": branch.pk, "max_amount": "80000"}
    )
    assert authority_limit(approver) == Decimal("0.00")
    config.config_change_apply(actor=checker, change=made)
    made.refresh_from_db()
    assert authority_limit(approver) == Decimal("80000.00")

    raised = propose(maker, "authority_limit", "update", target_id=made.target_id, payload={"max_amount": "90000.00"})
    config.config_change_apply(actor=checker, change=raised)
    assert authority_limit(approver) == Decimal("90000.00")

    gone = propose(maker, "authority_limit", "delete", target_id=made.target_id)
    config.config_change_apply(actor=checker, change=gone)
    assert not AuthorityLimit.objects.exists()


def test_an_authority_limit_rejected_or_withdrawn_changes_nothing(admins, branch):
    maker, checker = admins
    limit = AuthorityLimit.objects.create(role=Role.MANAGER, branch=None, max_amount=Decimal("10000.00"))
    rejected = propose(maker, "authority_limit", "update", target_id=limit.pk, payload={"max_amount": "1"})
    config.config_change_reject(actor=checker, change=rejected, reason="too low")
    withdrawn = propose(maker, "authority_limit", "update", target_id=limit.pk, payload={"max_amount": "2"})
    with pytest.raises(NotAllowed):
        config.config_change_withdraw(actor=checker, change=withdrawn)
    config.config_change_withdraw(actor=maker, change=withdrawn)
    limit.refresh_from_db()
    assert limit.max_amount == Decimal("10000.00")


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"role": "manager", "max_amount": "-1"}, "max_amount"),
        ({"role": "manager", "max_amount": "１０"}, "max_amount"),
        ({"role": "wizard", "max_amount": "10"}, "role"),
        ({"role": "manager", "branch": 987654, "max_amount": "10"}, "branch"),
    ],
)
def test_an_invalid_authority_limit_names_the_field(admins, payload, field):
    with pytest.raises(InvalidInput) as exc:
        propose(admins[0], "authority_limit", "create", payload=payload)
    assert list(exc.value.errors) == [field]


def test_a_second_limit_for_the_same_role_and_branch_is_refused(admins, branch):
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=branch, max_amount=Decimal("10"))
    with pytest.raises(InvalidInput) as exc:
        propose(
            admins[0], "authority_limit", "create", payload={"role": "manager", "branch": branch.pk, "max_amount": "5"}
        )
    assert list(exc.value.errors) == ["branch"]


def test_the_proposer_may_not_apply_their_own_limit(admins):
    maker, _checker = admins
    change = propose(maker, "authority_limit", "create", payload={"role": "manager", "max_amount": "5"})
    with pytest.raises(NotAllowed, match="Four eyes"):
        config.config_change_apply(actor=maker, change=change)


def test_a_committee_member_joins_and_leaves(admins, approver, officer):
    maker, checker = admins
    join = propose(maker, "committee_member", "create", payload={"user": approver.pk})
    assert not CommitteeMember.objects.exists()
    config.config_change_apply(actor=checker, change=join)
    member = CommitteeMember.objects.get(user=approver)
    leave = propose(maker, "committee_member", "delete", target_id=member.pk)
    config.config_change_reject(actor=checker, change=leave, reason="keep")
    assert CommitteeMember.objects.filter(pk=member.pk).exists()
    leave = propose(maker, "committee_member", "delete", target_id=member.pk)
    config.config_change_withdraw(actor=maker, change=leave)
    leave = propose(maker, "committee_member", "delete", target_id=member.pk)
    config.config_change_apply(actor=checker, change=leave)
    assert not CommitteeMember.objects.exists()
    with pytest.raises(InvalidInput) as exc:  # an officer decides nothing
        propose(maker, "committee_member", "create", payload={"user": officer.pk})
    assert list(exc.value.errors) == ["user"]


def test_a_scorecard_proposal_publishes_a_version_when_applied(admins):
    maker, checker = admins
    v1 = scorecard_active()
    new = copy.deepcopy(scoring.DEFAULT_CONFIG)
    new["base"] = int(new["base"]) + 10
    change = propose(maker, "scorecard", "create", payload={"config": new, "note": "base +10"})
    assert change.before["version"] == v1.version
    assert scorecard_active().pk == v1.pk
    config.config_change_apply(actor=checker, change=change)
    card = scorecard_active()
    change.refresh_from_db()
    assert card.version == v1.version + 1 and card.config["base"] == new["base"] and change.target_id == card.pk
    rejected = propose(maker, "scorecard", "create", payload={"config": new, "note": "again"})
    config.config_change_reject(actor=checker, change=rejected, reason="same")
    withdrawn = propose(maker, "scorecard", "create", payload={"config": new, "note": "again"})
    config.config_change_withdraw(actor=maker, change=withdrawn)
    assert Scorecard.objects.count() == 2


def test_a_malformed_scorecard_is_refused_on_config(admins):
    bad = copy.deepcopy(scoring.DEFAULT_CONFIG)
    bad["grades"] = list(reversed(bad["grades"]))
    with pytest.raises(InvalidInput) as exc:
        propose(admins[0], "scorecard", "create", payload={"config": bad, "note": ""})
    assert list(exc.value.errors) == ["config"]
    with pytest.raises(InvalidInput) as exc:
        propose(admins[0], "scorecard", "update", target_id=scorecard_active().pk, payload={"note": "x"})
    assert list(exc.value.errors) == ["operation"]


def test_a_staff_members_own_approval_limit(admins, approver, borrower_user):
    maker, checker = admins
    change = propose(maker, "approval_limit", "update", target_id=approver.pk, payload={"approval_limit": "70000"})
    assert change.before == {"approval_limit": "50000.00"}
    config.config_change_apply(actor=checker, change=change)
    approver.refresh_from_db()
    assert approver.approval_limit == Decimal("70000.00")
    cleared = propose(maker, "approval_limit", "update", target_id=approver.pk, payload={"approval_limit": None})
    config.config_change_reject(actor=checker, change=cleared, reason="keep it")
    later = propose(maker, "approval_limit", "update", target_id=approver.pk, payload={"approval_limit": "1"})
    config.config_change_withdraw(actor=maker, change=later)
    approver.refresh_from_db()
    assert approver.approval_limit == Decimal("70000.00")
    for payload, field in [({"approval_limit": "-5"}, "approval_limit"), ({"limit": "5"}, "limit")]:
        with pytest.raises(InvalidInput) as exc:
            propose(maker, "approval_limit", "update", target_id=approver.pk, payload=payload)
        assert list(exc.value.errors) == [field]
    with pytest.raises(InvalidInput) as exc:  # a borrower has no approval limit
        propose(maker, "approval_limit", "update", target_id=borrower_user.pk, payload={"approval_limit": "5"})
    assert list(exc.value.errors) == ["target_id"]


def test_the_api_proposes_a_limit_and_refuses_the_proposer(admins, api):
    maker, checker = admins
    body = {"kind": "authority_limit", "operation": "create", "payload": {"role": "manager", "max_amount": "5000"}}
    r = api(maker).post("/api/v1/config-changes/", body, format="json")
    assert r.status_code == 201, r.content
    refused = api(maker).post(f"/api/v1/config-changes/{r.data['id']}/apply/", {}, format="json")
    assert refused.status_code == 403 and "Four eyes" in refused.data["detail"]
    rejected = api(checker).post(f"/api/v1/config-changes/{r.data['id']}/reject/", {"reason": "no"}, format="json")
    assert rejected.data["status"] == "rejected" and not AuthorityLimit.objects.exists()
    bad = api(maker).post("/api/v1/config-changes/", {**body, "payload": {"role": "manager"}}, format="json")
    assert bad.status_code == 400 and list(bad.data) == ["max_amount"]


# --- the Django admin -----------------------------------------------------------------------


@pytest.fixture
def admin_client(branch):
    from django.test import Client

    from ..kernel.factories import UserFactory, login_verified

    user = UserFactory(role="admin", branch=branch, is_staff=True, is_superuser=True)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(c, user)
    return c


def test_the_admin_proposes_limits_members_and_scorecards_and_changes_nothing(admin_client, approver, branch):
    import json

    from django.urls import reverse

    from microloan.config.models import ConfigChange

    limit = AuthorityLimit.objects.create(role=Role.MANAGER, branch=None, max_amount=Decimal("10000.00"))
    r = admin_client.post(
        reverse("admin:underwriting_authoritylimit_change", args=[limit.pk]),
        {"role": "manager", "branch": "", "max_amount": "20000.00"},
    )
    assert r.status_code == 302
    limit.refresh_from_db()
    assert limit.max_amount == Decimal("10000.00")
    assert ConfigChange.objects.get(kind="authority_limit").payload == {"max_amount": "20000.00"}

    admin_client.post(reverse("admin:underwriting_authoritylimit_delete", args=[limit.pk]), {"post": "yes"})
    assert AuthorityLimit.objects.filter(pk=limit.pk).exists()
    assert ConfigChange.objects.filter(kind="authority_limit", operation="delete").count() == 1

    admin_client.post(reverse("admin:underwriting_committeemember_add"), {"user": approver.pk})
    assert not CommitteeMember.objects.exists() and ConfigChange.objects.filter(kind="committee_member").exists()

    v = scorecard_active()
    admin_client.post(
        reverse("admin:underwriting_scorecard_add"), {"config": json.dumps(scoring.DEFAULT_CONFIG), "note": "same"}
    )
    assert scorecard_active().pk == v.pk and ConfigChange.objects.filter(kind="scorecard").exists()


def test_the_user_admin_proposes_an_approval_limit(admin_client, approver):
    from django.urls import reverse

    from microloan.config.models import ConfigChange

    url = reverse("admin:microloan_user_change", args=[approver.pk])
    data = {
        "username": approver.username,
        "first_name": "New",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "role": "manager",
        "branch": approver.branch_id,
        "language": "zh-hans",
        "approval_limit": "99000.00",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }
    r = admin_client.post(url, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    approver.refresh_from_db()
    assert approver.approval_limit == Decimal("50000.00") and approver.first_name == "New"
    assert ConfigChange.objects.get(kind="approval_limit").payload == {"approval_limit": "99000.00"}


def test_the_admin_offers_no_bulk_delete(admin_client):
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=None, max_amount=Decimal("1"))
    r = admin_client.get("/admin/underwriting/authoritylimit/")
    assert r.status_code == 200 and "delete_selected" not in r.content.decode()
