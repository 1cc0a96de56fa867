import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from microloan.models import Role

from .applications.factories import BorrowerFactory, ProductFactory
from .browser_support import browser, page  # noqa: F401 - one session-wide browser for every browser test
from .kernel.factories import BranchFactory, UserFactory

# Every test runs on one pinned instant (the clock then ticks on from it), so that no result
# depends on the day the suite happens to run: a test that needs another day travels there
# itself or passes the business date. MICROLOAN_TEST_NOW (ISO 8601) pins another instant.
PINNED_NOW = datetime.fromisoformat(os.environ.get("MICROLOAN_TEST_NOW", "2026-11-23T10:00:00+08:00"))
if PINNED_NOW.tzinfo is None:
    PINNED_NOW = PINNED_NOW.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def pinned_clock(request):
    # A test that hands work to worker processes (which cannot see this process's clock) runs
    # on the machine's clock instead, which both sides share; it passes dates explicitly.
    if request.node.get_closest_marker("machine_clock"):
        yield None
        return
    with time_machine.travel(PINNED_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def now(pinned_clock):
    """The pinned instant, read once: what a test means by "now" when it backdates a row."""
    from django.utils import timezone

    return timezone.now()


@pytest.fixture(autouse=True)
def no_policy_overrides():
    """Every test starts with no policy override in memory, as its database has none
    (microloan/config/overrides.py; the test settings never recheck by the clock)."""
    from microloan.config import overrides

    overrides.forget(())
    yield
    overrides.forget(())


@pytest.fixture(autouse=True)
def english_messages():
    """Service-level assertions read English messages; requests choose their own language
    (Accept-Language, the language switch), as in production."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def ledger_stays_balanced(request):
    """After every test that touches the database, every journal entry balances (so the
    trial balance does), unless the test marks itself as planting an unbalanced one."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or request.node.get_closest_marker("unbalanced_ledger"):
        yield
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    yield
    from microloan.ledger import assert_ledger_balanced

    assert_ledger_balanced()


@pytest.fixture
def branch(db):
    return BranchFactory(code="BR-A", name="Branch A")


@pytest.fixture
def other_branch(db):
    return BranchFactory(code="BR-B", name="Branch B")


@pytest.fixture
def officer(branch):
    return UserFactory(username="officer_a", role=Role.OFFICER, branch=branch)


@pytest.fixture
def manager(branch):
    return UserFactory(username="manager_a", role=Role.MANAGER, branch=branch)


@pytest.fixture
def other_officer(other_branch):
    return UserFactory(username="officer_b", role=Role.OFFICER, branch=other_branch)


@pytest.fixture
def product(db):
    return ProductFactory(code="CONS", name="Consumer")


@pytest.fixture
def borrower(branch):
    return BorrowerFactory(branch=branch)


@pytest.fixture
def borrower_user(borrower):
    user = UserFactory(username="mobile_user", role=Role.BORROWER, branch=borrower.branch)
    borrower.user = user
    borrower.save(update_fields=["user"])
    return user


def client_for(user, language: str = "en") -> APIClient:
    """An API client for ``user``; messages come in ``language`` (the Accept-Language header)."""
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


@pytest.fixture
def api():
    return client_for
