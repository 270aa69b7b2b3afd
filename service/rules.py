"""The invariants both sides share: each written once, used by the commands (inside the
write transaction) and by the reads that need the same answer (raw data, preview).

Every function takes the facts it decides on and raises a named `DomainError`.
"""

from collections.abc import Collection
from typing import Any, TypeVar

from service.catalogue import Catalogue
from service.errors import (
    ConnectorIntegrationMismatch,
    ConnectorNotFound,
    IntegrationCategoryMismatch,
    IntegrationNotEnabled,
    StaleResource,
    TextHasNul,
    UnknownCategory,
    UnknownIntegration,
    UnknownModel,
)

R = TypeVar("R")


def require_model(catalogue: Catalogue, category: str, model: str) -> None:
    if category not in catalogue.categories:
        raise UnknownCategory(category, list(catalogue.categories))
    if not catalogue.has_model(category, model):
        raise UnknownModel(category, model, [m.slug for m in catalogue.models(category)])


def require_category(catalogue: Catalogue, category: str | None) -> None:
    if category is not None and category not in catalogue.categories:
        raise UnknownCategory(category, list(catalogue.categories))


def require_integrations(catalogue: Catalogue, slugs: Collection[str]) -> None:
    unknown = [s for s in slugs if s not in catalogue.integrations]
    if unknown:
        raise UnknownIntegration(unknown, list(catalogue.integrations))


def require_enabled(catalogue: Catalogue, enabled: Collection[str],
                    integration_slug: str, field: str = "integration_slug") -> None:
    """The integration exists, and the organization (whose enabled integrations are
    given) may use it; `field` is the request field that chose it."""
    require_integrations(catalogue, [integration_slug])
    if integration_slug not in enabled:
        raise IntegrationNotEnabled(integration_slug, field)


def require_same_integration(connector: dict[str, Any], integration_slug: str | None) -> None:
    """A request naming both a connector and an integration names the connector's own."""
    if integration_slug is not None and integration_slug != connector["integration_slug"]:
        raise ConnectorIntegrationMismatch(connector["integration_slug"], integration_slug)


def require_filter(catalogue: Catalogue, category: str | None, model: str | None) -> None:
    """A list filter names a known category and a model of it (of any category when the
    filter has none)."""
    require_category(catalogue, category)
    if model is not None:
        known = sorted({m.slug for m in catalogue.models(category)})
        if model not in known:
            raise UnknownModel(category or "any category", model, known)


def require_serves(catalogue: Catalogue, integration_slug: str, category: str, *,
                   field: str) -> None:
    """The integration serves the category; `field` names the request attribute that
    chose the integration, for the error body."""
    if not catalogue.serves(integration_slug, category):
        raise IntegrationCategoryMismatch(integration_slug, category, field)


def require_connector(connector: R | None) -> R:
    """The caller's connector; another organization's (looked up as None) is a 404."""
    if connector is None:
        raise ConnectorNotFound()
    return connector


def require_precondition(if_match: str | None, current: Any) -> None:
    """A client's If-Match (the ETag it read) that no longer holds is a 412."""
    if if_match is not None and if_match != str(current):
        raise StaleResource(str(current), if_match)


# text the databases can store: PostgreSQL's text type cannot hold U+0000 (SQLite can),
# so no backend takes it, and the answer is the same on both
NUL = "\x00"


def require_no_nul(values: dict[str, Any]) -> None:
    """Refuse U+0000 in any text of a command's input (`values`: attribute -> value,
    looked into through lists and dicts). An upstream record's `data` is exempt: it is
    stored as JSON text, where the character is the escape `\\u0000`."""
    for name, value in values.items():
        if _has_nul(value):
            raise TextHasNul(name)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or (k != "data" and _has_nul(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False
