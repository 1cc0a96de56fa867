"""Guarded transitions. The legal moves of an entity are data (a table of actions), an
illegal move raises a named error, and each move writes an audit event in the same
transaction. Callers lock the row (select_for_update) before calling ``apply``."""

from collections.abc import Iterable
from dataclasses import dataclass

from .audit import audit_record
from .errors import NotAllowed, TransitionNotAllowed


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]  # who may trigger it ("borrower" included where the app may)


class Workflow:
    def __init__(self, entity: str, transitions: Iterable[Transition], status_field: str = "status"):
        self.entity = entity
        self.status_field = status_field
        self.transitions = {t.action: t for t in transitions}

    def table(self) -> list[tuple[str, str, str]]:
        """Every (action, source, target): the whole table, for tests and documentation."""
        return [(t.action, s, t.target) for t in self.transitions.values() for s in sorted(t.sources)]

    def available_actions(self, status: str, role: str | None = None) -> list[str]:
        return [a for a, t in self.transitions.items() if status in t.sources and (role is None or role in t.roles)]

    def check(self, *, obj, action: str, actor) -> Transition:
        t = self.transitions[action]
        current = getattr(obj, self.status_field)
        if actor is not None and actor.role not in t.roles:
            raise NotAllowed(f"Role '{actor.role}' may not {action} a {self.entity}.")
        if current not in t.sources:
            raise TransitionNotAllowed(entity=self.entity, action=action, status=current)
        return t

    def apply(self, *, obj, action: str, actor, reason: str = "", data: dict | None = None,
              extra_update_fields: Iterable[str] = ()) -> str:
        t = self.check(obj=obj, action=action, actor=actor)
        current = getattr(obj, self.status_field)
        setattr(obj, self.status_field, t.target)
        obj.save(update_fields=[self.status_field, *extra_update_fields])
        audit_record(actor=actor, entity=self.entity, entity_id=obj.pk, action=action,
                     from_state=current, to_state=t.target, reason=reason, data=data)
        return t.target
