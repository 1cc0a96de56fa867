"""Writing the audit trail. Every guarded transition and every important change calls this
inside the same transaction as the change itself."""

from .models import AuditEvent


def audit_record(
    *,
    actor,
    entity: str,
    entity_id: int,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        entity=entity,
        entity_id=entity_id,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def audit_history(*, entity: str, entity_id: int):
    return AuditEvent.objects.filter(entity=entity, entity_id=entity_id).select_related("actor").order_by("at", "id")


def audit_record_many(rows: list[dict], *, batch_size: int = 5000) -> int:
    """The set-based entry point for jobs: one bulk insert for many audit rows, each a dict of
    ``audit_record``'s keyword arguments."""
    events = [
        AuditEvent(
            actor=r.get("actor") if getattr(r.get("actor"), "pk", None) else None,
            entity=r["entity"],
            entity_id=r["entity_id"],
            action=r["action"],
            from_state=r.get("from_state") or "",
            to_state=r.get("to_state") or "",
            reason=str(r.get("reason") or ""),
            data=r.get("data") or {},
        )
        for r in rows
    ]
    AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return len(events)
