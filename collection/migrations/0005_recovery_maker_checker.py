# Recoveries become a maker-checker pair: recorded by one person, confirmed (the journal
# entry posted then) or returned by another. The rows already there were posted at once, the
# journal entry with them: they are confirmed.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0004_cases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="recovery", old_name="posted_by", new_name="recorded_by"),
        # Added with "confirmed" so the existing rows get it, then the default for new rows.
        migrations.AddField(
            model_name="recovery",
            name="status",
            field=models.CharField(
                choices=[("pending", "Waiting for confirmation"), ("confirmed", "Confirmed"), ("returned", "Returned")],
                default="confirmed",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="recovery",
            name="status",
            field=models.CharField(
                choices=[("pending", "Waiting for confirmation"), ("confirmed", "Confirmed"), ("returned", "Returned")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="recovery",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="recovery",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="recovery",
            name="return_reason",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AlterModelOptions(name="recovery", options={"ordering": ["-id"]}),
        migrations.AddIndex(
            model_name="recovery",
            index=models.Index(fields=["status"], name="recovery_status_idx"),
        ),
    ]
