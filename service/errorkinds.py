"""The kinds of refusal, by HTTP status: `DomainError` carries its status, its problem
`code` and the facts of the refusal; the named errors of `service.errors` are
subclasses of these kinds."""

from typing import Any


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, detail: str, *, code: str | None = None,
                 errors: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.errors = errors
        self.headers = headers or {}


# --- the kinds, by HTTP status ----------------------------------------------------------

class BadRequest(DomainError):
    pass


class ValidationFailed(DomainError):
    status = 422
    code = "VALIDATION_ERROR"


class Unauthorized(DomainError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(DomainError):
    status = 405
    code = "METHOD_NOT_ALLOWED"

    def __init__(self, detail: str, *, allow: list[str]) -> None:
        super().__init__(detail, headers={"Allow": ", ".join(allow)})


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


class PreconditionFailed(DomainError):
    status = 412
    code = "PRECONDITION_FAILED"


class PayloadTooLarge(DomainError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class TooManyRequests(DomainError):
    status = 429
    code = "RATE_LIMITED"


class Unavailable(DomainError):
    status = 503
    code = "STORAGE_UNAVAILABLE"
