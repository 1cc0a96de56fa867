from django.db import migrations, models


def revoked_from_timestamp(apps, schema_editor):
    """A consent with a revocation time was revoked: its status says so now."""
    Consent = apps.get_model("applications", "Consent")
    Consent.objects.filter(revoked_at__isnull=False).update(status="revoked")


def timestamp_only(apps, schema_editor):
    """Backwards: the revocation time alone said it (nothing to undo)."""


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_consent"),
    ]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="status",
            field=models.CharField(
                choices=[("granted", "Granted"), ("revoked", "Revoked")],
                default="granted",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.RunPython(revoked_from_timestamp, timestamp_only),
    ]
