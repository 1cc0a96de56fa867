"""microloan/twofactor.py: who needs a second factor, and how a code is checked."""

from datetime import timedelta

import pytest

from microloan import twofactor
from microloan.models import Role

from .factories import UserFactory, enrolled

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "needed"),
    [(Role.MANAGER, True), (Role.ADMIN, True), (Role.OFFICER, False), (Role.AUDITOR, False), (Role.BORROWER, False)],
)
def test_managers_and_administrators_need_it(role, needed):
    assert twofactor.otp_required(UserFactory(role=role)) is needed


def test_superusers_need_it_and_the_roles_are_a_setting(settings):
    assert twofactor.otp_required(UserFactory(role=Role.OFFICER, is_superuser=True))
    settings.MICROLOAN_OTP_ROLES = ["officer"]
    assert twofactor.otp_required(UserFactory(role=Role.OFFICER))
    assert not twofactor.otp_required(UserFactory(role=Role.MANAGER))


def test_a_code_is_good_once(pinned_clock):
    manager = UserFactory(role=Role.MANAGER)
    device = enrolled(manager)
    code = twofactor.current_code(device)
    assert twofactor.verify_user(manager, code) == device
    assert twofactor.verify_user(manager, code) is None  # replayed
    pinned_clock.shift(timedelta(seconds=31))
    assert twofactor.verify_user(manager, twofactor.current_code(device)) == device


def test_malformed_codes_are_refused_without_a_lookup():
    assert twofactor.clean_code(" 123 456 ") == "123456"
    assert twofactor.clean_code("12345") is None
    assert twofactor.clean_code("١٢٣٤٥٦") is None  # Arabic-Indic digits
    assert twofactor.clean_code(None) is None


def test_enrolment_shows_the_secret_and_an_inline_qr_code():
    manager = UserFactory(role=Role.MANAGER)
    device = twofactor.enrolment_device(manager)
    assert twofactor.enrolment_device(manager) == device
    assert not device.confirmed
    assert len(twofactor.secret_text(device).replace(" ", "")) == 32
    svg = twofactor.qr_svg(device)
    assert svg.startswith("<svg") and "http" not in svg
