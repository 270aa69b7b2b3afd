"""Rate limiting per API key: a token bucket in memory, 429 with Retry-After.

Off when `rate_limit_per_second` is 0 (the default). Buckets refill continuously at
that rate up to `rate_limit_burst` tokens; each authenticated request takes one.
"""

import math
import time

from aiohttp import web

from service.auth import principal_key
from service.errors import TooManyRequests


class RateLimiter:
    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate


rate_limiter_key = web.AppKey("rate_limiter", RateLimiter)


@web.middleware
async def rate_limit_middleware(request: web.Request, handler):
    limiter = request.app[rate_limiter_key]
    who = request.get(principal_key)
    if limiter.enabled and who is not None:
        wait = limiter.take(who.key_id)
        if wait > 0:
            raise TooManyRequests(
                f"more than {limiter.rate:g} requests per second for this API key",
                headers={"Retry-After": str(max(1, math.ceil(wait)))})
    return await handler(request)
