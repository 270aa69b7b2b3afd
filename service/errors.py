"""Errors of the service, by name: raised by commands, rules and handlers, rendered in
one place (`service.problems` for HTTP, the CLI's error line for the command line).

Each class carries its HTTP status and its problem `code` (DESIGN section 6; the title
comes from the status, `service.problems`); the named domain errors also build their
own detail from the facts they are given, so the same refusal reads the same from every
front-end.
"""

from service.errorkinds import (
    BadRequest as BadRequest,
)
from service.errorkinds import (
    Conflict as Conflict,
)
from service.errorkinds import (  # the kinds, re-exported: every refusal is named here
    DomainError as DomainError,
)
from service.errorkinds import (
    Forbidden as Forbidden,
)
from service.errorkinds import (
    MethodNotAllowed as MethodNotAllowed,
)
from service.errorkinds import (
    NotFound as NotFound,
)
from service.errorkinds import (
    PayloadTooLarge as PayloadTooLarge,
)
from service.errorkinds import (
    PreconditionFailed as PreconditionFailed,
)
from service.errorkinds import (
    TooManyRequests as TooManyRequests,
)
from service.errorkinds import (
    Unauthorized as Unauthorized,
)
from service.errorkinds import (
    Unavailable as Unavailable,
)
from service.errorkinds import (
    ValidationFailed as ValidationFailed,
)

# --- the catalogue ---------------------------------------------------------------------------

class UnknownCategory(ValidationFailed):
    code = "UNKNOWN_CATEGORY"

    def __init__(self, category: str, known: list[str]) -> None:
        super().__init__(f"unknown category {category!r}; one of {', '.join(known)}",
                         errors={"category": [f"one of {', '.join(known)}"]})


class UnknownModel(ValidationFailed):
    code = "UNKNOWN_MODEL"

    def __init__(self, category: str, model: str, known: list[str]) -> None:
        super().__init__(f"unknown model {model!r} in {category}",
                         errors={"model": [f"one of {', '.join(known)}"]})


class UnknownIntegration(ValidationFailed):
    code = "UNKNOWN_INTEGRATION"

    def __init__(self, slugs: list[str], known: list[str]) -> None:
        choices = ", ".join(sorted(known))
        super().__init__(f"unknown integration(s): {', '.join(slugs)}; known: {choices}",
                         errors={"integration_slug": [f"one of {choices}"]})


class ConnectorIntegrationMismatch(ValidationFailed):
    code = "CONNECTOR_INTEGRATION_MISMATCH"

    def __init__(self, connector_integration: str, given: str) -> None:
        super().__init__(
            f"the connector belongs to {connector_integration!r}, not {given!r}: give "
            "connector_token or integration_slug, or the connector's own integration",
            errors={"integration_slug": [f"the connector's integration is "
                                         f"{connector_integration}"]})


class IntegrationNotEnabled(ValidationFailed):
    code = "INTEGRATION_NOT_ENABLED"

    def __init__(self, integration_slug: str, field: str = "integration_slug") -> None:
        message = ("not enabled" if field == "integration_slug"
                   else f"its integration, {integration_slug}, is not enabled")
        super().__init__(f"integration {integration_slug!r} is not enabled for this "
                         "organization", errors={field: [message]})


class IntegrationCategoryMismatch(ValidationFailed):
    """The integration (named, or behind a connector) does not serve the category."""

    code = "INTEGRATION_CATEGORY_MISMATCH"

    def __init__(self, integration_slug: str, category: str, field: str) -> None:
        super().__init__(f"integration {integration_slug!r} does not serve category "
                         f"{category}", errors={field: [f"does not serve {category}"]})


class SyncedRowNotFound(NotFound):
    code = "RECORD_NOT_FOUND"

    def __init__(self, remote_id: str, category: str, model: str) -> None:
        super().__init__(f"the connector has synced no {category}/{model} row with remote_id "
                         f"{remote_id!r}")


class NoRawData(NotFound):
    code = "NO_RAW_DATA"

    def __init__(self, integration_slug: str, model: str) -> None:
        super().__init__(f"no sample for {integration_slug}/{model}")


# --- tenancy ----------------------------------------------------------------------------------

class OrganizationNotFound(NotFound):
    def __init__(self, slug: str) -> None:
        super().__init__(f"no organization with slug {slug!r}")


class DuplicateSlug(Conflict):
    code = "DUPLICATE_SLUG"

    def __init__(self, slug: str) -> None:
        super().__init__(f"an organization with slug {slug!r} exists")


class ApiKeyNotFound(NotFound):
    def __init__(self, key_id: str) -> None:
        super().__init__(f"no API key with id {key_id!r}")


class IntegrationInUse(Conflict):
    code = "INTEGRATION_IN_USE"

    def __init__(self, integration_slug: str, mappings: int) -> None:
        super().__init__(f"integration {integration_slug!r} is used by {mappings} mapping(s) "
                         "(scoped to it or to one of its connectors): delete them first")


class ConnectorNotFound(NotFound):
    code = "CONNECTOR_NOT_FOUND"

    def __init__(self) -> None:
        super().__init__("no connector with that token")


# --- fields, options, mappings ----------------------------------------------------------------

class FieldNotFound(NotFound):
    def __init__(self, field_id: str) -> None:
        super().__init__(f"no custom field with id {field_id!r}")


class DuplicateName(Conflict):
    code = "DUPLICATE_NAME"

    def __init__(self, name: str, category: str, model: str) -> None:
        super().__init__(f"a field named {name!r} already exists on {category}/{model}")


class UnsafeTypeChange(Conflict):
    code = "UNSAFE_TYPE_CHANGE"

    def __init__(self, old: str, new: str, allowed: str) -> None:
        super().__init__(f"changing type {old} -> {new} could make existing values invalid; "
                         f"only {allowed} are allowed")


class NotMultiselect(ValidationFailed):
    code = "NOT_MULTISELECT"

    def __init__(self, field_id: str, type_: str) -> None:
        super().__init__(f"field {field_id!r} is a {type_} field; only multiselect fields "
                         "have options")


class OptionNotFound(NotFound):
    def __init__(self, option_id: str) -> None:
        super().__init__(f"no option with id {option_id!r} on this field")


class DuplicateOption(Conflict):
    code = "DUPLICATE_OPTION"


class InvalidOptionOrder(ValidationFailed):
    code = "INVALID_OPTION_ORDER"

    def __init__(self, attribute: str) -> None:
        super().__init__(f"{attribute} must list every option of the field exactly once",
                         errors={attribute: ["every option id exactly once"]})


class MappingNotFound(NotFound):
    def __init__(self, mapping_id: str) -> None:
        super().__init__(f"no mapping with id {mapping_id!r}")


class DuplicateMapping(Conflict):
    code = "DUPLICATE_MAPPING"

    def __init__(self, scope: str) -> None:
        super().__init__(f"this field already has a mapping for that {scope}")


class ExpressionRefused(ValidationFailed):
    """A JMESPath expression that does not compile or cannot be evaluated; `code` is the
    expression error's (INVALID_JSON_PATH, UNKNOWN_FUNCTION, ...)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail, code=code, errors={"json_path": [detail]})


class ExpressionTooLong(ValidationFailed):
    code = "EXPRESSION_TOO_LONG"

    def __init__(self, limit: int) -> None:
        super().__init__(f"json_path is longer than {limit} characters",
                         errors={"json_path": [f"at most {limit} characters"]})


class UnknownVersion(ValidationFailed):
    code = "UNKNOWN_VERSION"

    def __init__(self, version: int, current: int) -> None:
        super().__init__(f"the field has no version {version}: its versions are 1 to {current}",
                         errors={"to_version": [f"from 1 to {current}"]})


class RevertConflict(Conflict):
    """An earlier version needs what is gone since (a connector, an integration)."""

    def __init__(self, version: int, why: str, code: str) -> None:
        super().__init__(f"cannot revert to version {version}: {why}", code=code)


class StaleResource(PreconditionFailed):
    def __init__(self, current: str, expected: str) -> None:
        super().__init__(f'the resource has changed: its ETag is "{current}", '
                         f'not "{expected}"')


class BatchRefused(ValidationFailed):
    """Changes applied together (bulk mappings, an import), some refused: nothing was
    written; `refusals` are keyed by where each refused one is (an index, a path)."""

    code = "BATCH_REFUSED"

    def __init__(self, refusals: dict[str, dict], total: int, noun: str) -> None:
        super().__init__(f"{len(refusals)} of {total} {noun} refused; nothing was written",
                         errors=refusals)


# --- sync -------------------------------------------------------------------------------------

class TooManyRecords(PayloadTooLarge):
    code = "TOO_MANY_RECORDS"

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} records per sync call")


class RecordTooLarge(PayloadTooLarge):
    code = "RECORD_TOO_LARGE"

    def __init__(self, index: int, remote_id: str, size: int, limit: int) -> None:
        super().__init__(f"record {index} ({remote_id!r}) is {size} bytes; at most {limit}")


# --- requests ---------------------------------------------------------------------------------

class TextHasNul(ValidationFailed):
    code = "VALIDATION_ERROR"

    def __init__(self, attribute: str) -> None:
        super().__init__(f"{attribute} contains the NUL character (U+0000), which no text "
                         "may hold: remove it", errors={attribute: ["no U+0000 characters"]})


class IdempotencyKeyReused(ValidationFailed):
    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used with another request")


class InvalidCursor(ValidationFailed):
    code = "INVALID_CURSOR"

    def __init__(self) -> None:
        super().__init__("cursor is not one this service issued",
                         errors={"cursor": ["invalid cursor"]})
