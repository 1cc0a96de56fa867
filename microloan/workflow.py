"""Guarded transitions. The legal moves of an entity are data (a table of actions), an
illegal move raises a named error, and each move writes an audit event in the same
transaction. Callers lock the row (select_for_update) before calling ``apply``.

A transition carries everything a page or a test needs to know about it: its label (shown on
the button), whether it needs a reason, and its four-eyes rule: the actions on the same
object whose actors may not take this one (read from the audit trail, so the rule holds on
every path that goes through the table), and its four-eyes rule across entities: the actions
on a related object (``NotByRelated``: the application a disbursement pays out) whose actors
may not take it either. ``apply_many`` is the set-based entry point for
jobs (the daily close): one UPDATE per chunk and one bulk insert of audit rows."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions
from .audit import audit_record, audit_record_many
from .errors import InvalidInput, NotAllowed, TransitionNotAllowed


@dataclass(frozen=True)
class NotByRelated:
    """Four eyes across entities: whoever took one of ``actions`` on the related object — the
    ``entity`` row whose id is the moved object's attribute ``via`` — may not take the move
    (the manager who approved an application does not release its disbursement too)."""

    entity: str
    via: str
    actions: frozenset[str]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    # Who may take it: filled by the Workflow from the permission table's entry
    # "<entity>.<action>" (microloan.permissions), the one source of roles.
    roles: frozenset[str] = frozenset()
    label: str | Promise = ""  # a gettext_lazy string for the button; the action name when empty
    needs_reason: bool = False
    # Four eyes: actions on the same object whose actors may not take this one.
    not_by: frozenset[str] = field(default_factory=frozenset)
    # Four eyes across entities: actions on a related object whose actors may not take this one.
    not_by_related: tuple[NotByRelated, ...] = ()
    # Taken by the system (a job, a callback) as well as by the roles above.
    system: bool = False

    @property
    def display(self) -> str:
        return str(self.label) if self.label else self.action

    @property
    def guarded(self) -> bool:
        """Has a four-eyes rule (the audit trail is read before the move)."""
        return bool(self.not_by or self.not_by_related)


# The refusal of a cross-entity four-eyes rule, in the reader's language.
FOUR_EYES_RELATED = gettext_lazy(
    "Four eyes: you may not %(action)s this %(entity)s, having done %(done)s on its %(related)s yourself."
)

# The status of an object that does not exist yet: the source of a creation transition
# (disburse a loan, post a repayment, request a restructuring), taken with ``Workflow.start``.
NEW = ""

# Every workflow by entity name, filled as the apps' workflow modules are imported: the
# lifecycle table in the README and the whole-table tests read it.
REGISTRY: dict[str, "Workflow"] = {}


class Workflow:
    def __init__(
        self,
        entity: str,
        transitions: Iterable[Transition],
        status_field: str = "status",
        table: dict[str, permissions.Permission] | None = None,
    ):
        """``table``: where the roles come from; the permission table unless a test brings its own."""
        self.entity = entity
        self.status_field = status_field
        table = permissions.TABLE if table is None else table

        def roles(action: str) -> frozenset[str]:
            key = f"{entity}.{action}"
            if key not in table:
                raise permissions.UnknownAction(f"no entry {key!r} in the permission table")
            return table[key].roles

        self.transitions = {t.action: replace(t, roles=roles(t.action)) for t in transitions}
        REGISTRY[entity] = self

    def table(self) -> list[tuple[str, str, str]]:
        """Every (action, source, target): the whole table, for tests and documentation."""
        return [(t.action, s, t.target) for t in self.transitions.values() for s in sorted(t.sources)]

    def statuses(self) -> set[str]:
        return {s for t in self.transitions.values() for s in t.sources} | {t.target for t in self.transitions.values()}

    def available_actions(self, status: str, role: str | None = None) -> list[str]:
        return [a for a, t in self.transitions.items() if status in t.sources and (role is None or role in t.roles)]

    def available(self, *, obj, actor) -> list[Transition]:
        """The moves ``actor`` may take on ``obj`` now (role, status and four eyes): the
        buttons a page shows."""
        out = []
        for action in self.available_actions(getattr(obj, self.status_field), getattr(actor, "role", None)):
            t = self.transitions[action]
            if not t.guarded or not self._conflicting_actions(obj=obj, actor=actor, transition=t):
                out.append(t)
        return out

    def available_many(self, *, objs, actor) -> dict:
        """``available`` for many objects of this entity with one audit query (a list page's
        buttons): object id -> the moves ``actor`` may take on it now."""
        role = getattr(actor, "role", None)
        objs = list(objs)
        moves = {
            o.pk: [self.transitions[a] for a in self.available_actions(getattr(o, self.status_field), role)]
            for o in objs
        }
        guarded = [o for o in objs if any(t.guarded for t in moves[o.pk])]
        if not guarded or actor is None or not getattr(actor, "pk", None):
            return moves
        # What the guarded moves read, by entity: the objects' own history and, for the
        # cross-entity rules, their related objects' (one query for all).
        ids: dict[str, set[int]] = {}
        actions: dict[str, set[str]] = {}
        for o in guarded:
            for t in moves[o.pk]:
                for entity, entity_id, names in self._guards(o, t):
                    ids.setdefault(entity, set()).add(entity_id)
                    actions.setdefault(entity, set()).update(names)
        done = self._done(actor, [Q(entity=e, entity_id__in=ids[e], action__in=actions[e]) for e in ids])

        def conflicts(o, t) -> bool:
            return any((e, i, a) in done for e, i, names in self._guards(o, t) for a in names)

        return {o.pk: [t for t in moves[o.pk] if not conflicts(o, t)] for o in objs}

    def _guards(self, obj, t: Transition) -> list[tuple[str, int, frozenset[str]]]:
        """(entity, id, actions) whose actors may not take ``t`` on ``obj``."""
        out = [(self.entity, obj.pk, t.not_by)] if t.not_by else []
        return out + [(r.entity, getattr(obj, r.via), r.actions) for r in t.not_by_related]

    @staticmethod
    def _done(actor, wanted: list[Q]) -> set[tuple[str, int, str]]:
        from .models import AuditEvent

        q = Q(pk__in=[])
        for w in wanted:
            q |= w
        return set(AuditEvent.objects.filter(q, actor_id=actor.pk).values_list("entity", "entity_id", "action"))

    def _conflicting_actions(self, *, obj, actor, transition: Transition) -> set[tuple[str, str]]:
        """The guarded (entity, action) pairs ``actor`` took: on ``obj`` itself and on its
        related objects, from one audit query."""
        if actor is None or not getattr(actor, "pk", None):
            return set()
        guards = self._guards(obj, transition)
        done = self._done(actor, [Q(entity=e, entity_id=i, action__in=names) for e, i, names in guards])
        return {(e, a) for e, _i, a in done}

    def check(self, *, obj, action: str, actor, reason: str = "") -> Transition:
        t = self.transitions[action]
        current = getattr(obj, self.status_field)
        if actor is not None and actor.role not in t.roles:
            raise NotAllowed(
                _("Role '%(role)s' may not %(action)s this %(entity)s.")
                % {"role": actor.role, "action": action, "entity": self.entity}
            )
        if current not in t.sources:
            raise TransitionNotAllowed(entity=self.entity, action=action, status=current)
        if t.needs_reason and not (reason or "").strip():
            raise InvalidInput({"reason": _("A reason is required.")})
        if t.guarded:
            done = self._conflicting_actions(obj=obj, actor=actor, transition=t)
            own = sorted(a for e, a in done if e == self.entity)
            if own:
                raise NotAllowed(
                    _("Four eyes: you may not %(action)s this %(entity)s, having done %(done)s on it yourself.")
                    % {"action": action, "entity": self.entity, "done": ", ".join(own)}
                )
            if done:
                related = min(e for e, _a in done)
                raise NotAllowed(
                    str(FOUR_EYES_RELATED)
                    % {
                        "action": action,
                        "entity": self.entity,
                        "done": ", ".join(sorted(a for e, a in done if e == related)),
                        "related": related,
                    }
                )
        return t

    def apply(
        self,
        *,
        obj,
        action: str,
        actor,
        reason: str = "",
        data: dict | None = None,
        extra_update_fields: Iterable[str] = (),
    ) -> str:
        t = self.check(obj=obj, action=action, actor=actor, reason=reason)
        return self._move(
            obj=obj,
            t=t,
            actor=actor,
            reason=reason,
            data=data,
            update_fields=[self.status_field, *extra_update_fields],
        )

    def _move(self, *, obj, t: Transition, actor, reason: str, data: dict | None, update_fields) -> str:
        """The checked move ``t``: the status set and saved (``update_fields`` None: the first
        save), and its audit row from the status it had."""
        current = getattr(obj, self.status_field)
        setattr(obj, self.status_field, t.target)
        obj.save(update_fields=update_fields)
        audit_record(
            actor=actor,
            entity=self.entity,
            entity_id=obj.pk,
            action=t.action,
            from_state=current,
            to_state=t.target,
            reason=reason,
            data=data,
        )
        return t.target

    def apply_many(
        self,
        *,
        model: type[models.Model],
        ids: Sequence[int],
        action: str,
        actor=None,
        reason: str = "",
        extra: dict | None = None,
    ) -> list[int]:
        """Set-based move for jobs: every row of ``ids`` still in one of the action's sources
        moves to its target in one UPDATE, and one audit row per moved row is written in one
        bulk insert. Returns the ids that moved (a re-run moves nothing). ``extra`` sets other
        columns in the same UPDATE (values or expressions)."""
        t = self.transitions[action]
        if actor is not None and actor.role not in t.roles and not t.system:
            raise NotAllowed(
                _("Role '%(role)s' may not %(action)s this %(entity)s.")
                % {"role": actor.role, "action": action, "entity": self.entity}
            )
        if not ids:
            return []
        rows = list(
            model._default_manager.filter(pk__in=ids, **{f"{self.status_field}__in": t.sources})
            .select_for_update()
            .values_list("pk", self.status_field)
        )
        if not rows:
            return []
        moved = [pk for pk, _s in rows]
        model._default_manager.filter(pk__in=moved).update(**{self.status_field: t.target}, **(extra or {}))
        audit_record_many(
            [
                dict(
                    actor=actor,
                    entity=self.entity,
                    entity_id=pk,
                    action=action,
                    from_state=src,
                    to_state=t.target,
                    reason=reason,
                )
                for pk, src in rows
            ]
        )
        return moved

    def start(self, *, obj, action: str, actor, reason: str = "", data: dict | None = None) -> str:
        """Creates ``obj`` (unsaved) through a creation transition, one whose sources hold
        ``NEW``: the same role, reason and four-eyes checks as ``apply``, then the first save
        and the audit row (from NEW to the target) in the caller's transaction."""
        setattr(obj, self.status_field, NEW)
        t = self.check(obj=obj, action=action, actor=actor, reason=reason)
        return self._move(obj=obj, t=t, actor=actor, reason=reason, data=data, update_fields=None)
