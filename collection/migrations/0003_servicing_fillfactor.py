"""Room on servicing's pages for the daily close's updates (PostgreSQL only).

The close stamps the business date and the overdue figures on every open loan each day, and
adds the day's penalty to one instalment per loan in arrears. None of those columns is
indexed, so PostgreSQL can write the new row version on the same page without touching any
index (a HOT update) -- if the page has room. At the default fill factor (100) it has none, and
each update also writes all nine of the loan table's indexes: about three times slower at
100,000 loans. A loan page is left half empty, because a day rewrites every row on it in one
transaction; instalment pages need little room (one row in thirty changes a day).

Applies to pages written from now on; an existing table takes it fully after a rewrite
(VACUUM FULL, CLUSTER or pg_repack) at a quiet time, and gradually as rows are updated."""

from django.db import migrations

FORWARD = """
ALTER TABLE servicing_loan SET (fillfactor = 50);
ALTER TABLE servicing_installment SET (fillfactor = 90);
"""
BACKWARD = """
ALTER TABLE servicing_loan RESET (fillfactor);
ALTER TABLE servicing_installment RESET (fillfactor);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("collection", "0002_installment_unpaid_index")]
    operations = [migrations.RunPython(forward, backward)]
