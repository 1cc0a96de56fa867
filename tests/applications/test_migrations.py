"""applications/migrations: 0007_consent_status gives every consent a status from what the
revocation timestamp said (revoked where ``revoked_at`` was set, granted otherwise)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("applications", "0006_consent"), ("microloan", "0010_accrual")]  # before Branch.region (0011)
AFTER = [("applications", "0007_consent_status")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_revoked_consent_is_revoked_and_the_others_granted():
    # given two consents stored before the status existed, one of them revoked
    old = _migrate(BEFORE)
    Branch, User = old.get_model("microloan", "Branch"), old.get_model("microloan", "User")
    Borrower, Consent = old.get_model("applications", "Borrower"), old.get_model("applications", "Consent")
    branch = Branch.objects.create(code="M7", name="M7")
    user = User.objects.create(username="m7", branch=branch)
    borrower = Borrower.objects.create(
        branch=branch,
        full_name="王芳",
        id_number="11010519491231002X",
        date_of_birth=date(1949, 12, 31),
        sex="F",
        mobile="13800138000",
        segment="salaried",
    )
    common = dict(borrower=borrower, purpose="credit_inquiry", content_type="application/pdf", size=1, sha256="0" * 64)
    kept = Consent.objects.create(**common, granted_on=date(2026, 1, 5), captured_by=user)
    revoked = Consent.objects.create(
        **common, granted_on=date(2026, 1, 5), captured_by=user, revoked_at="2026-02-01T10:00:00+08:00", revoked_by=user
    )
    try:
        # when
        new = _migrate(AFTER)
        # then
        Consent = new.get_model("applications", "Consent")
        assert dict(Consent.objects.values_list("pk", "status")) == {kept.pk: "granted", revoked.pk: "revoked"}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
