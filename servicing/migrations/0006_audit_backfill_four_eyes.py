"""Four eyes now read the audit trail (the repayment's and the restructuring's tables): a
posting made, or a request filed, before the tables existed left no row there. This writes
the missing ``post`` and ``request`` rows from the columns that recorded them, so the rule
holds for old rows too. Data only; no table changes."""

from django.db import migrations


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("microloan", "AuditEvent")
    Repayment = apps.get_model("servicing", "Repayment")
    Restructuring = apps.get_model("servicing", "Restructuring")
    rows = []
    done = set(AuditEvent.objects.filter(entity="repayment", action="post").values_list("entity_id", flat=True))
    for r in Repayment.objects.filter(status="posted").exclude(pk__in=done).iterator():
        rows.append(AuditEvent(at=r.posted_at, actor_id=r.posted_by_id, entity="repayment", entity_id=r.pk,
                               action="post", from_state="", to_state="posted", data={"loan": r.loan_id}))
    done = set(AuditEvent.objects.filter(entity="restructuring", action="request")
               .values_list("entity_id", flat=True))
    for r in Restructuring.objects.filter(status="requested").exclude(pk__in=done).iterator():
        rows.append(AuditEvent(at=r.requested_at, actor_id=r.requested_by_id, entity="restructuring",
                               entity_id=r.pk, action="request", from_state="", to_state="requested",
                               reason=r.reason, data={"loan": r.loan_id}))
    AuditEvent.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0005_customer_care_moves_to_care"),
        ("microloan", "0006_ledger_rollup"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
