"""Domain errors. Services raise these; the API and the views turn them into responses
(400 field errors, 403 not allowed, 409 wrong state), so no caller has to guess."""

from collections.abc import Mapping, Sequence


class DomainError(Exception):
    pass


class InvalidInput(DomainError):
    """Bad input: ``errors`` maps a field name to its reasons, as the API shows them."""

    def __init__(self, errors: Mapping[str, Sequence[str] | str]):
        self.errors = {k: ([str(v)] if isinstance(v, str) else [str(x) for x in v]) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items()))


class NotAllowed(DomainError):
    """The actor may not do this (role, four eyes, authority limit, branch)."""

    def __init__(self, reason: str):
        self.reason = str(reason)
        super().__init__(self.reason)


class TransitionNotAllowed(DomainError):
    """The move is not allowed from the object's current status."""

    def __init__(self, *, entity: str, action: str, status: str, message: str | None = None):
        self.entity, self.action, self.status = entity, action, status
        self.message = message or f"'{action}' is not allowed for a {entity} in status '{status}'."
        super().__init__(self.message)
