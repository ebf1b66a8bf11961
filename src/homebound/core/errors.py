"""Domain errors: the only exceptions the edges translate into client errors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with one field of the input, located as precisely as we can."""

    field: str
    code: str
    message: str
    row: int | None = None
    column: str | None = None


class DomainError(Exception):
    """Base of every error a caller can cause; `code` is stable and machine-readable."""

    code = "domain.error"
    status_hint = 400

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it exists (never an existence oracle)."""

    code = "not_found"
    status_hint = 404


class PermissionDenied(DomainError):
    """The actor is known but the action is not allowed for its role."""

    code = "permission_denied"
    status_hint = 403


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "not_authenticated"
    status_hint = 401


class Conflict(DomainError):
    """The action is not allowed in the object's current state."""

    code = "conflict"
    status_hint = 409


class PreconditionFailed(Conflict):
    """The client's If-Match names a version of the object that is no longer current."""

    code = "precondition_failed"
    status_hint = 412


class PreconditionRequired(DomainError):
    """An update sent without If-Match: it could silently overwrite a change the client never saw."""

    code = "precondition_required"
    status_hint = 428


class TooLarge(DomainError):
    """Input past a size no real one reaches (a list that unpacks to hundreds of megabytes: a zip bomb)."""

    code = "payload_too_large"
    status_hint = 413


class InvalidTransition(Conflict):
    """A status change that the transition table does not allow."""

    code = "status.invalid_transition"


class ValidationFailed(DomainError):
    """Input that breaks a rule; carries every problem found, each naming its place."""

    code = "validation_failed"
    status_hint = 422

    def __init__(self, problems: list[FieldProblem], message: str | None = None) -> None:
        first = problems[0] if problems else None
        text = message or (f"{len(problems)} problem(s) in the input" if problems else "invalid input")
        super().__init__(text, field=first.field if first else None)
        self.problems = problems
