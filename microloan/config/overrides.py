"""The policy overrides in memory: ``microloan.policy.policy()`` reads them on every call, so
they are kept here and read again from the database only every ``POLICY_RECHECK_SECONDS``
(5 by default: a change applied in one process reaches every other within that), at once in
the process that applied one (``forget``). ``None`` never rechecks: the test settings, where
every test starts with none (tests/conftest.py) and an apply forgets them itself."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.db import DatabaseError

Overrides = tuple[tuple[str, str, str], ...]

# (rows, when read): one tuple, replaced whole, so a reader never sees half of an update.
_state: list = [(None, 0.0)]


def _load() -> Overrides:
    from .models import PolicyOverride

    try:
        rows = PolicyOverride.objects.order_by("setting", "key").values_list("setting", "key", "value")
        return tuple((s, k, json.dumps(v, sort_keys=True)) for s, k, v in rows)
    except DatabaseError:  # before the first migrate: no overrides yet
        return ()


def current_overrides() -> Overrides:
    rows, checked = _state[0]
    every = getattr(settings, "POLICY_RECHECK_SECONDS", 5)
    if rows is not None and (every is None or time.monotonic() - checked < every):
        return rows
    rows = _load()
    _state[0] = (rows, time.monotonic())
    return rows


def forget(rows: Overrides | None = None) -> None:
    """The next ``policy()`` reads the overrides again (or takes ``rows`` as them)."""
    _state[0] = (rows, time.monotonic())
