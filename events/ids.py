"""UUIDv7 identifiers (RFC 9562): time-ordered, so ids sort by creation.

Ids name things; they are not secrets (API keys and connector tokens come from
`secrets`), so the random bits come from a PRNG seeded once from the OS: reading the
OS's random source for every id costs tens of microseconds on some machines. Ids made
in the same millisecond by this process keep increasing (RFC 9562, method 1: the
12-bit `rand_a` is a counter).
"""

import os
import random
import threading
import time
import uuid


class _Generator:
    def __init__(self) -> None:
        self._random = random.Random(os.urandom(32))
        self._lock = threading.Lock()
        self._last_ms = -1
        self._counter = 0

    def uuid7(self) -> uuid.UUID:
        with self._lock:
            ms = time.time_ns() // 1_000_000
            if ms > self._last_ms:
                self._last_ms, self._counter = ms, self._random.getrandbits(11)
            else:  # the same millisecond (or the clock stepped back): count on
                ms = self._last_ms
                self._counter += 1
                if self._counter > 0xFFF:  # exhausted: borrow the next millisecond
                    self._last_ms = ms = ms + 1
                    self._counter = 0
            rand_b = self._random.getrandbits(62)
        value = (ms << 80) | (0x7 << 76) | (self._counter << 64) | (0b10 << 62) | rand_b
        return uuid.UUID(int=value)


_generator = _Generator()


def uuid7() -> str:
    return str(_generator.uuid7())


def uuid7_hex() -> str:
    return _generator.uuid7().hex
