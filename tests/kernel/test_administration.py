"""Administration (#14 point 1), the kernel's side: the ``branch`` and ``staff`` kinds of
configuration change (proposed, applied by another administrator, audited), the percent field,
the policy screen's typed rows, the pages and ``/admin/``'s entry."""

from decimal import Decimal

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from microloan.administration.kinds import issued_passwords
from microloan.config import services as config
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.fields import PercentFormField, percent_text
from microloan.models import AuditEvent, Branch, Role, User
from microloan.policy import policy

from .factories import BranchFactory, UserFactory, administrators, enrolled

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return administrators()


def apply(change, checker):
    return config.config_change_apply(actor=checker, change=change)


# --- the percent field ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,kept",
    [("7.2", Decimal("0.072")), ("7.2%", Decimal("0.072")), ("24", Decimal("0.24")), (" 100 % ", Decimal("1"))],
)
def test_a_rate_is_typed_as_a_percentage_and_kept_as_the_fraction(typed, kept):
    assert PercentFormField().clean(typed) == kept


@pytest.mark.parametrize("typed", ["-1", "7.12345", "１", "abc"])
def test_a_bad_percentage_is_refused(typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        PercentFormField(max_percent=100).clean(typed)


def test_a_fraction_is_shown_as_the_percentage_typed_back():
    assert [percent_text(v) for v in (Decimal("0.072000"), Decimal("0.24"), Decimal("1"), 0)] == [
        "7.2",
        "24",
        "100",
        "0",
    ]
    assert PercentFormField().widget.format_value(Decimal("0.1850")) == "18.5"


# --- branches -------------------------------------------------------------------------------


def test_a_branch_is_created_renamed_moved_and_given_a_region_by_two_administrators(admins):
    maker, checker = admins
    root = BranchFactory(code="HQ", name="Head office")
    change = config.config_change_propose(
        actor=maker,
        kind="branch",
        operation="create",
        payload={"code": "N1", "name": "North", "parent": root.pk, "region": "", "timezone": "Asia/Shanghai"},
    )
    assert not Branch.objects.filter(code="N1").exists()
    apply(change, checker)
    north = Branch.objects.get(code="N1")
    assert north.parent == root and north.path == f"{root.path}{north.pk}/"

    other = BranchFactory(code="S1", name="South")
    leaf = BranchFactory(code="N1a", name="North A", parent=north)
    moved = config.config_change_propose(
        actor=maker,
        kind="branch",
        operation="update",
        target_id=north.pk,
        payload={"name": "North district", "parent": other.pk, "region": "GD"},
    )
    assert moved.before["name"] == "North" and moved.payload == {
        "name": "North district",
        "parent": other.pk,
        "region": "GD",
    }
    apply(moved, checker)
    north.refresh_from_db()
    leaf.refresh_from_db()
    assert (north.name, north.parent, north.region) == ("North district", other, "GD")
    assert leaf.path == f"{other.path}{north.pk}/{leaf.pk}/"  # the subtree moved with it
    assert AuditEvent.objects.filter(entity="config_change", entity_id=moved.pk, action="apply").exists()


def test_a_branch_cannot_move_under_its_own_subtree_nor_take_a_bad_time_zone(admins):
    maker, _checker = admins
    top = BranchFactory()
    child = BranchFactory(parent=top)
    with pytest.raises(InvalidInput) as under:
        config.config_change_propose(
            actor=maker, kind="branch", operation="update", target_id=top.pk, payload={"parent": child.pk}
        )
    assert list(under.value.errors) == ["parent"]
    with pytest.raises(InvalidInput) as zone:
        config.config_change_propose(
            actor=maker, kind="branch", operation="update", target_id=top.pk, payload={"timezone": "Mars/Olympus"}
        )
    assert list(zone.value.errors) == ["timezone"]


def test_a_branch_is_never_deleted(admins):
    with pytest.raises(InvalidInput) as exc:
        config.config_change_propose(actor=admins[0], kind="branch", operation="delete", target_id=BranchFactory().pk)
    assert "operation" in exc.value.errors


# --- staff ----------------------------------------------------------------------------------


def staff_payload(branch, **extra):
    return {
        "username": "newofficer",
        "first_name": "Li",
        "last_name": "Na",
        "email": "li.na@example.com",
        "role": Role.OFFICER,
        "branch": branch.pk,
        "language": "zh-hans",
        "is_active": True,
        **extra,
    }


def test_a_new_staff_member_gets_a_temporary_password_shown_once_to_the_applier(admins):
    maker, checker = admins
    branch = BranchFactory()
    change = config.config_change_propose(actor=maker, kind="staff", operation="create", payload=staff_payload(branch))
    assert not User.objects.filter(username="newofficer").exists()
    apply(change, checker)
    user = User.objects.get(username="newofficer")
    assert (user.role, user.branch, user.is_active) == (Role.OFFICER, branch, True)
    password = issued_passwords(checker)["newofficer"]
    assert user.check_password(password)
    change.refresh_from_db()
    assert password not in str(change.after) and password not in str(change.payload)
    assert not AuditEvent.objects.filter(data__icontains=password).exists()
    assert AuditEvent.objects.filter(entity="user", entity_id=user.pk, action="reset_password").exists()


def test_a_staff_member_is_given_a_role_and_a_branch_and_deactivated(admins):
    maker, checker = admins
    officer = UserFactory(role=Role.OFFICER)
    branch = BranchFactory()
    change = config.config_change_propose(
        actor=maker,
        kind="staff",
        operation="update",
        target_id=officer.pk,
        payload={"role": Role.REVIEWER, "branch": branch.pk, "is_active": False},
    )
    apply(change, checker)
    officer.refresh_from_db()
    assert (officer.role, officer.branch, officer.is_active) == (Role.REVIEWER, branch, False)


def test_a_password_and_two_factor_reset(admins):
    maker, checker = admins
    manager = UserFactory(role=Role.MANAGER)
    enrolled(manager)
    change = config.config_change_propose(
        actor=maker,
        kind="staff",
        operation="update",
        target_id=manager.pk,
        payload={"reset_password": True, "reset_two_factor": True},
    )
    assert change.payload == {"reset_password": True, "reset_two_factor": True}
    apply(change, checker)
    assert not TOTPDevice.objects.filter(user=manager).exists()
    manager.refresh_from_db()
    assert manager.check_password(issued_passwords(checker)[manager.username])
    assert AuditEvent.objects.filter(entity="user", entity_id=manager.pk, action="reset_two_factor").exists()


def test_staff_changes_are_validated_by_field(admins):
    maker, _checker = admins
    officer = UserFactory(role=Role.OFFICER)
    with pytest.raises(InvalidInput) as role:
        config.config_change_propose(
            actor=maker, kind="staff", operation="update", target_id=officer.pk, payload={"role": Role.BORROWER}
        )
    assert list(role.value.errors) == ["role"]
    with pytest.raises(InvalidInput) as nothing:
        config.config_change_propose(
            actor=maker, kind="staff", operation="update", target_id=officer.pk, payload={"reset_password": False}
        )
    assert list(nothing.value.errors) == ["payload"]
    borrower = UserFactory(role=Role.BORROWER)
    with pytest.raises(InvalidInput) as target:
        config.config_change_propose(
            actor=maker, kind="staff", operation="update", target_id=borrower.pk, payload={"is_active": False}
        )
    assert list(target.value.errors) == ["target_id"]


def test_two_active_administrators_remain(admins):
    maker, checker = admins
    with pytest.raises(InvalidInput) as exc:
        config.config_change_propose(
            actor=maker, kind="staff", operation="update", target_id=checker.pk, payload={"is_active": False}
        )
    assert list(exc.value.errors) == ["is_active"]


def test_a_staff_change_proposed_on_other_values_is_not_applied(admins):
    maker, checker = admins
    officer = UserFactory(role=Role.OFFICER)
    change = config.config_change_propose(
        actor=maker, kind="staff", operation="update", target_id=officer.pk, payload={"role": Role.COLLECTOR}
    )
    User.objects.filter(pk=officer.pk).update(role=Role.REVIEWER)
    with pytest.raises(TransitionNotAllowed):
        apply(change, checker)


# --- the policy's reminder offset -----------------------------------------------------------


def test_the_reminder_offset_is_a_policy_setting(admins):
    maker, checker = admins
    assert policy().servicing.reminder_days_before == 3
    change = config.config_change_propose(
        actor=maker,
        kind="policy",
        operation="update",
        payload={"setting": "SERVICING", "key": "REMINDER_DAYS_BEFORE", "value": 5},
    )
    apply(change, checker)
    assert policy().servicing.reminder_days_before == 5
    with pytest.raises(InvalidInput):
        config.config_change_propose(
            actor=maker,
            kind="policy",
            operation="update",
            payload={"setting": "SERVICING", "key": "REMINDER_DAYS_BEFORE", "value": 0},
        )
