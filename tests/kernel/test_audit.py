"""microloan.audit: the append-only audit trail."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import InternalError

from microloan.audit import audit_record
from microloan.models import AuditEvent


@pytest.mark.django_db
def test_audit_events_are_append_only_in_the_model_and_the_database():
    ev = audit_record(actor=None, entity="x", entity_id=1, action="a")
    ev.reason = "rewrite"
    with pytest.raises(ValidationError):
        ev.save()
    with pytest.raises(ValidationError):
        ev.delete()
    # Even raw SQL is refused by the trigger on PostgreSQL.
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE microloan_auditevent SET reason = 'x' WHERE id = %s", [ev.pk])
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM microloan_auditevent WHERE id = %s", [ev.pk])
    assert AuditEvent.objects.get(pk=ev.pk).reason == ""
