"""Webhook shapes: the request bodies (subscribe, change, replay) and the answers, for
the handlers and the OpenAPI document. Which event names exist and which addresses may
be targets are rules of the command and of `service.webhooks.ssrf`, not shapes."""

from marshmallow import Schema, ValidationError, fields, pre_load, validate

from service.schemas.common import DESCRIPTION_MAX, trimmed
from service.schemas.responses import described, nullable_str
from service.webhooks.ssrf import url_problem

EVENTS_MAX = 50
Str, Int = fields.String, fields.Integer


def _url(value: str) -> None:
    problem = url_problem(value)
    if problem is not None:
        raise ValidationError(problem)


URL = Str(required=True, validate=_url, **described(
    "Where deliveries are POSTed: http or https, a host whose addresses are all public"))
EVENTS = fields.List(Str(validate=validate.Length(1, 64)), required=True,
                     validate=validate.Length(1, EVENTS_MAX), **described(
                         "Event names (field.created), prefixes (option.*) or *"))
DESCRIPTION = Str(load_default=None, allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX))


class WebhookCreateSchema(Schema):
    url = URL
    events = EVENTS
    description = DESCRIPTION

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("url", "description"))


class WebhookPatchSchema(Schema):
    """Only the attributes given change."""

    url = Str(validate=_url)
    events = fields.List(Str(validate=validate.Length(1, 64)),
                         validate=validate.Length(1, EVENTS_MAX))
    description = Str(allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX))

    @pre_load
    def _trim(self, data, **_):
        return trimmed(data, ("url", "description"))


class ReplaySchema(Schema):
    from_seq = Int(required=True, strict=True, validate=validate.Range(min=1), **described(
        "Deliver again every subscribed event of the organization from this sequence number"))


# --- answers ------------------------------------------------------------------------------

class WebhookSchema(Schema):
    id = Str(required=True)
    url = Str(required=True)
    events = fields.List(Str(), required=True)
    description = nullable_str()
    created_at = Str(required=True)
    updated_at = Str(required=True)


class WebhookCreatedSchema(WebhookSchema):
    secret = Str(required=True, **described(
        "The signing secret (whsec_ + base64 of 32 bytes), in this answer only"))


class WebhookListSchema(Schema):
    webhooks = fields.List(fields.Nested(WebhookSchema), required=True)
    next_cursor = nullable_str()


class DeliverySchema(Schema):
    id = Str(required=True)
    seq = Int(required=True)
    event_id = Str(required=True)
    event = Str(required=True)
    attempt = Int(required=True)
    status_code = Int(required=True, allow_none=True)
    duration_ms = fields.Float(required=True)
    error = nullable_str()
    state = Str(required=True, validate=validate.OneOf(("delivered", "retrying", "failed")))
    next_retry_at = nullable_str()
    attempted_at = Str(required=True)


class PositionSchema(Schema):
    seq = Int(required=True, **described("The last event of the log handled"))
    attempt = Int(required=True, **described("Attempts made on the event after it"))
    failing_since = nullable_str()
    next_attempt_at = nullable_str()


class DeliveryListSchema(Schema):
    webhook_id = Str(required=True)
    position = fields.Nested(PositionSchema, required=True, allow_none=True)
    deliveries = fields.List(fields.Nested(DeliverySchema), required=True)
    next_cursor = nullable_str()


class ReplayAcceptedSchema(Schema):
    id = Str(required=True)
    from_seq = Int(required=True)
    status = Str(required=True, validate=validate.OneOf(["REPLAYING"]))
