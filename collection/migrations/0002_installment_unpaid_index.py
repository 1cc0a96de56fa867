"""A partial index for the daily close on servicing's instalments: the current, unpaid rows by
loan and due date. Paid rows (most of a seasoned book) are not in it, so the close's search
for overdue rows reads only rows that can be overdue. Partial indexes exist on PostgreSQL and
SQLite alike; the predicate must match the close's queries word for word."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("collection", "0001_initial"), ("servicing", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS collection_inst_unpaid_due ON servicing_installment (loan_id, due_date) "
            "WHERE is_current AND status <> 'paid'",
            "DROP INDEX IF EXISTS collection_inst_unpaid_due",
        ),
    ]
