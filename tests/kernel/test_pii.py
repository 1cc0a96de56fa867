"""Personal information (microloan/pii.py): the masks and the one rule of who may reveal."""

import pytest

from microloan import pii
from microloan.models import STAFF_ROLES, Role
from microloan.permissions import TABLE

from .factories import UserFactory


def test_an_id_number_keeps_its_first_6_and_last_4():
    assert pii.mask_id_number("110101199003071234") == "110101********1234"
    assert pii.mask_id_number("11010119900307123X") == "110101********123X"
    assert pii.mask_id_number("") == ""


def test_a_mobile_keeps_its_first_3_and_last_4_digits():
    assert pii.mask_mobile("13800005678") == "138****5678"
    assert pii.mask_mobile("+8613800005678") == "+86138****5678"
    assert pii.mask_mobile("1234567") == "*****67"
    assert pii.mask_mobile("") == ""


def test_an_address_keeps_only_its_district():
    assert pii.mask_address("北京市朝阳区建国路1号院3号楼") == "北京市朝阳区***"
    assert pii.mask_address("上海市浦东新区世纪大道100号") == "上海市浦东新区***"
    assert pii.mask_address("河北省石家庄市长安区中山东路") == "河北省石家庄市长安区***"
    assert pii.mask_address("12 Long Road, Springfield") == "12 Lon***"
    assert pii.mask_address("") == ""


def test_a_spouse_name_keeps_its_first_character():
    assert pii.mask_name("王芳") == "王*"
    assert pii.mask_name("") == ""


@pytest.mark.parametrize(
    "field,value",
    [
        ("id_number", "110101199003071234"),
        ("mobile", "13800005678"),
        ("address", "北京市朝阳区建国路1号"),
        ("spouse_name", "王芳"),
        ("spouse_id_number", "110101199003071234"),
    ],
)
def test_every_mask_is_recognisable_and_hides_the_value(field, value):
    masked = pii.mask(field, value)
    assert pii.is_masked(masked) and masked != value
    assert not pii.is_masked(value)


def test_reveal_is_the_officers_the_managers_and_a_borrowers_own():
    assert TABLE["borrower.reveal"].roles == {Role.OFFICER, Role.MANAGER, Role.BORROWER}


@pytest.mark.parametrize("role", [*sorted(STAFF_ROLES), Role.BORROWER])
def test_the_rule_reads_the_table(db, role):
    user = UserFactory(role=role)
    assert pii.may_reveal(user) == (role in TABLE["borrower.reveal"].roles)
    lookup = pii.id_number_lookup(user, "110101")
    if pii.may_reveal(user):
        assert lookup.children == [("id_number__startswith", "110101")]
    else:
        assert lookup.children == [("id_number", "110101")]
