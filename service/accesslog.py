"""The JSON access log: one line per request on stderr, written in batches.

A line costs a dict and an orjson dump; lines are written together every half second
(and when 512 are waiting, and on shutdown), so a busy server does not pay a write and
a logging record per request. It is on when the `access_log` setting is (the default;
`CUSTOM_FIELDS_ACCESS_LOG=false` turns it off) and the `custom_fields.access` logger is
enabled for INFO, so `logging` configuration still decides: `custom-fields serve` sets
that logger to INFO whatever the service's log level, unless it was given a level of
its own before (as `bench.serve` does to price the lines).
"""

import logging
import sys
from typing import Any, TextIO

import orjson

LOGGER = logging.getLogger("custom_fields.access")


class AccessLog:
    def __init__(self, stream: TextIO | None = None, batch: int = 512, *,
                 enabled: bool = True) -> None:
        self.enabled = enabled and LOGGER.isEnabledFor(logging.INFO)
        self._stream = stream
        self._batch = batch
        self._lines: list[bytes] = []

    def write(self, entry: dict[str, Any]) -> None:
        self._lines.append(orjson.dumps(entry))
        if len(self._lines) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            stream = self._stream or sys.stderr
            stream.write(b"\n".join(self._lines).decode("utf-8") + "\n")
            stream.flush()
            self._lines.clear()

