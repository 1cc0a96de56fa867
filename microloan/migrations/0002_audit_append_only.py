"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the audit trail."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION microloan_audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'microloan_auditevent is append-only';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER microloan_auditevent_append_only
  BEFORE UPDATE OR DELETE ON microloan_auditevent
  FOR EACH ROW EXECUTE FUNCTION microloan_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS microloan_auditevent_append_only ON microloan_auditevent;
DROP FUNCTION IF EXISTS microloan_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("microloan", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
