"""The catalogue: categories, their models, integrations and canned sample payloads.

The facts live in the JSON files beside this module; this module only loads them.
"""

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Model:
    slug: str
    display_name: str
    category: str


@dataclass(frozen=True)
class Integration:
    slug: str
    display_name: str
    categories: tuple[str, ...]


class Catalogue:
    def __init__(self, categories: dict[str, list[Model]], integrations: dict[str, Integration],
                 samples: dict[tuple[str, str], Any]) -> None:
        self.categories = categories
        self.integrations = integrations
        self._samples = samples

    @classmethod
    def load(cls) -> "Catalogue":
        root = resources.files(__name__)
        raw_categories = json.loads((root / "categories.json").read_text("utf-8"))["categories"]
        categories = {
            c["slug"]: [Model(m["slug"], m["display_name"], c["slug"]) for m in c["models"]]
            for c in raw_categories
        }
        raw_integrations = json.loads((root / "integrations.json").read_text("utf-8"))
        integrations = {
            i["slug"]: Integration(i["slug"], i["display_name"], tuple(i["categories"]))
            for i in raw_integrations["integrations"]
        }
        samples = {}
        for integration in integrations.values():
            for category in integration.categories:
                for model in categories[category]:
                    path = root / "samples" / integration.slug / f"{model.slug}.json"
                    samples[(integration.slug, model.slug)] = json.loads(path.read_text("utf-8"))
        return cls(categories, integrations, samples)

    def has_model(self, category: str, model: str) -> bool:
        return any(m.slug == model for m in self.categories.get(category, ()))

    def models(self, category: str | None = None) -> list[Model]:
        if category is not None:
            return list(self.categories.get(category, ()))
        return [m for models in self.categories.values() for m in models]

    def serves(self, integration_slug: str, category: str) -> bool:
        integration = self.integrations.get(integration_slug)
        return integration is not None and category in integration.categories

    def sample(self, integration_slug: str, model: str) -> Any:
        return self._samples.get((integration_slug, model))
