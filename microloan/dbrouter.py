"""Reads that may be a little stale go to the read replica; everything else to the primary.

With ``DATABASE_REPLICA_URL`` set the settings add a ``replica`` database (a PostgreSQL hot
standby streaming from the primary). :class:`ReplicaRouter` sends a read there only when all
of these hold:

- the code asked for it: a view wrapped in :func:`reads_replica` (the reports, their CSV
  exports and the list pages, whose figures may lag the primary by the replication delay),
  or a block inside :func:`replica_reads`;
- the request is a GET or HEAD (a form posted to a list page reads on the primary);
- the primary connection is not inside ``transaction.atomic()``: a read in a transaction is
  part of a change and must see the primary's rows (``select_for_update`` is a write query
  and goes to the primary anyway).

Every write, and every read anywhere else (detail pages, postings, the close, the API's
change paths, sessions and logins), stays on the primary. Without a replica configured the
router answers ``default`` for everything, so one host runs unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_stale_ok: ContextVar[bool] = ContextVar("microloan_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block may come from the replica (outside a transaction)."""
    token = _stale_ok.set(True)
    try:
        yield
    finally:
        _stale_ok.reset(token)


def reads_replica(view: Callable) -> Callable:
    """A view whose GET pages may be read from the replica: reports, exports, lists."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


def read_alias() -> str:
    """Where a read made now goes: ``replica`` or ``default``."""
    if not _stale_ok.get() or not replica_configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: see the module docstring."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Both databases hold the same rows: a replica-read object may point at a primary one.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
