"""Writing the audit trail. Every guarded transition and every important change calls this
inside the same transaction as the change itself."""

from .models import AuditEvent


def audit_record(*, actor, entity: str, entity_id: int, action: str, from_state: str = "",
                 to_state: str = "", reason: str = "", data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        entity=entity, entity_id=entity_id, action=action,
        from_state=from_state or "", to_state=to_state or "", reason=reason or "", data=data or {},
    )


def audit_history(*, entity: str, entity_id: int):
    return AuditEvent.objects.filter(entity=entity, entity_id=entity_id).select_related("actor").order_by("at", "id")
