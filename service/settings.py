"""Settings: every bound and knob of the service, with its default, in one place.

Each can be set by an environment variable `CUSTOM_FIELDS_<NAME>` (upper case), which
`Settings.from_env` reads; tests build `Settings(...)` directly.
"""

import os
from dataclasses import dataclass, fields, replace
from typing import Any

DEFAULT_DB = "var/custom-fields.db"


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8080
    synchronous: str = "FULL"          # SQLite durability: FULL survives power loss
    max_body_bytes: int = 1_048_576    # request body
    max_json_depth: int = 32           # nesting of any JSON request body
    max_string_length: int = 32_768    # any single string (or key) in a JSON body
    max_expression_length: int = 1024  # a JMESPath expression
    max_page_size: int = 200           # `limit` on any list
    default_page_size: int = 50
    max_sync_records: int = 1000       # records in one sync call
    max_record_bytes: int = 65_536     # one synced record, as compact JSON
    expression_cache_size: int = 1024  # compiled JMESPath expressions kept
    rate_limit_per_second: float = 0.0  # per API key; 0 turns rate limiting off
    rate_limit_burst: int = 50
    idempotency_ttl_hours: int = 24
    readers: int = 2                   # read connections

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = os.environ.get(f"CUSTOM_FIELDS_{f.name.upper()}")
            if raw is not None:
                default: Any = f.default
                values[f.name] = type(default)(raw)
        if "CUSTOM_FIELDS_DB" in os.environ:
            values["db"] = os.environ["CUSTOM_FIELDS_DB"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)
