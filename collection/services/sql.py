"""What the set-based statements share: an id-list condition both databases run, and the
tables named from their models (never spelt out in the SQL)."""

from django.db import connection


def in_ids(ids) -> tuple[str, list]:
    """``= ANY(%s)`` with one array on PostgreSQL (any length), a placeholder list elsewhere
    (SQLite, the demo)."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)
