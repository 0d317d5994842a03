"""Domain errors. Interfaces map them to answers: the API handler to 400/403/404/409/413."""


class DomainError(Exception):
    """Base class; `message` is written for the person who asked."""

    status_code = 400

    def __init__(self, message: str, *, errors: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationError(DomainError):
    status_code = 400


class PermissionDeniedError(DomainError):
    status_code = 403


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    """The request is valid but the current state forbids it (e.g. an illegal transition)."""

    status_code = 409


class PayloadTooLargeError(DomainError):
    status_code = 413
