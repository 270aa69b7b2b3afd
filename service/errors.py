"""Domain errors: raised by the command side and handlers, rendered in one place.

Each carries its HTTP status and the problem `code` (DESIGN section 6); the error
middleware turns any of them into an RFC 9457 problem+json answer.
"""

from typing import Any


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None,
                 errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = headers or {}


class BadRequest(DomainError):
    pass


class ValidationFailed(DomainError):
    status = 422
    code = "VALIDATION_ERROR"
    title = "Validation failed"


class Unauthorized(DomainError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class PreconditionFailed(DomainError):
    status = 412
    code = "PRECONDITION_FAILED"
    title = "Precondition failed"


class PayloadTooLarge(DomainError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"
    title = "Payload too large"


class TooManyRequests(DomainError):
    status = 429
    code = "RATE_LIMITED"
    title = "Too many requests"
