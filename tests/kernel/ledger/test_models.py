"""The ledger tables are append-only: in the models, the querysets and the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.utils import InternalError

from microloan.ledger import Account, Acct, JournalEntry, JournalLine

from .helpers import D, disburse

pytestmark = pytest.mark.django_db


def test_entries_and_lines_cannot_be_updated_or_deleted():
    entry = disburse()
    line = entry.lines.first()
    entry.memo = "rewrite"
    line.debit = D("1.00")
    for obj in (entry, line):
        with pytest.raises(ValidationError):
            obj.save()
        with pytest.raises(ValidationError):
            obj.delete()
    for qs in (JournalEntry.objects.all(), JournalLine.objects.all()):
        with pytest.raises(ValidationError):
            qs.update(memo="x") if qs.model is JournalEntry else qs.update(debit=0)
        with pytest.raises(ValidationError):
            qs.delete()
    # the database refuses raw rewrites too
    for sql in (
        "UPDATE microloan_journalentry SET memo = 'x' WHERE id = %s",
        "DELETE FROM microloan_journalline WHERE entry_id = %s",
    ):
        with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    assert JournalEntry.objects.get(pk=entry.pk).memo == "" and JournalLine.objects.count() == 2


def test_the_database_refuses_a_line_with_both_or_no_sides():
    entry = disburse()
    cash = Account.objects.get(code=Acct.CASH)
    for debit, credit in ((D("1.00"), D("1.00")), (D("0.00"), D("0.00")), (D("-1.00"), D("0.00"))):
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalLine.objects.bulk_create([JournalLine(entry=entry, account=cash, debit=debit, credit=credit)])
