"""The content types (and so the permissions granted on them) of the four models that moved
from servicing follow them to this app, instead of being left stale under servicing while new
ones are made here. A fresh database has none yet: nothing to do there."""

from django.db import migrations

MODELS = ["complaint", "followupvisit", "creditreview", "feedback"]


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="care", model=model).exists():
            ContentType.objects.filter(app_label="servicing", model=model).update(app_label="care")


def backwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="servicing", model=model).exists():
            ContentType.objects.filter(app_label="care", model=model).update(app_label="servicing")


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
