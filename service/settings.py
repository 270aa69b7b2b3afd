"""Settings: every bound and knob of the service, with its default, in one place.

Each can be set by an environment variable `CUSTOM_FIELDS_<NAME>` (upper case), which
`Settings.from_env` reads and parses by the setting's type (an integer, a number, a
boolean: true/false, 1/0, yes/no in any case), refusing a value it cannot take with a
`SettingError` that names the variable; tests build `Settings(...)` directly.
"""

import math
import os
from dataclasses import dataclass, fields, replace
from typing import Any

DEFAULT_DB = "var/custom-fields.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


class SettingError(ValueError):
    """A setting's value that cannot be used; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    db: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8080
    log_level: str = "INFO"            # DEBUG, INFO, WARNING, ERROR or CRITICAL
    access_log: bool = True            # the JSON access lines (INFO) on stderr
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
    readers: int = 2                   # read connections (PostgreSQL: the pool's size)
    postgres_pooler: bool = False      # PostgreSQL behind PgBouncer in transaction mode
    session_ttl_minutes: int = 480     # a dashboard sign-in lasts this long
    session_secret: str = ""           # base64 of 32 bytes; empty: a new one per process
    session_cookie_secure: bool = False  # set true behind TLS: the cookie then needs https
    # webhooks (service/webhooks/): delivery timeout, first retry (doubling, with jitter),
    # how long an event is retried before it is marked failed, the fallback poll, how long
    # delivery attempts are kept, and private addresses allowed (for tests on 127.0.0.1)
    webhook_timeout_seconds: float = 10.0
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_hours: float = 24.0
    webhook_poll_seconds: float = 1.0
    webhook_delivery_retention_days: int = 7
    webhook_allow_private: bool = False

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """The settings of the environment; keyword arguments that are not None win.
        Raises `SettingError` for a variable whose value cannot be used."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            variable = f"CUSTOM_FIELDS_{f.name.upper()}"
            raw = os.environ.get(variable)
            if raw is not None:
                values[f.name] = parse(f.name, f.default, raw, variable)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> "Settings":
        return replace(self, **changes)


def parse(name: str, default: Any, raw: str, source: str) -> Any:
    """The value of setting `name` (typed like its `default`) written as `raw` in
    `source` (the variable's name, for the message)."""
    text = raw.strip()
    if isinstance(default, bool):  # before int: bool is an int
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise SettingError(f"{source} must be true or false (1/0, yes/no), not {raw!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise SettingError(f"{source} must be an integer, not {raw!r}") from None
    if isinstance(default, float):
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise SettingError(f"{source} must be a number, not {raw!r}")
        return number
    choices = {"log_level": LOG_LEVELS, "synchronous": SYNCHRONOUS}.get(name)
    if choices is not None:
        if text.upper() not in choices:
            raise SettingError(f"{source} must be one of {', '.join(choices)}, not {raw!r}")
        return text.upper()
    if not raw:
        raise SettingError(f"{source} is set but empty")
    return raw
