"""Query schemas of the audit endpoints."""

from datetime import UTC

from marshmallow import fields, validate

from service.schemas.common import PageSchema


class EventsQuerySchema(PageSchema):
    stream_id = fields.String(load_default=None)
    field_id = fields.String(load_default=None)
    type = fields.String(load_default=None)  # one type, or several separated by commas
    since = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    until = fields.AwareDateTime(load_default=None, default_timezone=UTC)
    order = fields.String(load_default="asc", validate=validate.OneOf(("asc", "desc")))


class HistoryQuerySchema(PageSchema):
    pass
