"""The refusals of the webhook routes, named, of the kinds of `service.errorkinds`
(rendered as problem+json like every other refusal; kept here because
`service/errors.py` is at its size limit)."""

from service.errorkinds import NotFound, ValidationFailed


class WebhookNotFound(NotFound):
    def __init__(self, webhook_id: str) -> None:
        super().__init__(f"no webhook with id {webhook_id!r}")


class UnknownEventName(ValidationFailed):
    code = "UNKNOWN_EVENT_TYPE"

    def __init__(self, names: list[str], known: list[str]) -> None:
        super().__init__(f"unknown event name(s): {', '.join(names)}", errors={"events": [
            f"one of {', '.join(known)}, a prefix with .* (field.*), or *"]})


class WebhookUrlRefused(ValidationFailed):
    """A target the service may not send to (URL_NOT_ALLOWED) or cannot resolve
    (URL_UNRESOLVABLE)."""

    def __init__(self, reason: str, code: str = "URL_NOT_ALLOWED") -> None:
        super().__init__(f"url refused: {reason}", code=code, errors={"url": [reason]})


class ReplayPastHead(ValidationFailed):
    def __init__(self, from_seq: int, head: int) -> None:
        super().__init__(f"from_seq {from_seq} is past the log's head ({head})",
                         errors={"from_seq": [f"at most {head + 1}"]})
