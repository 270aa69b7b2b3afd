"""Prometheus metrics: request counts and latencies per route, events appended per type."""

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from events import StoredEvent


class Metrics:
    """One registry per app, so tests and several apps in a process never collide."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("http_requests_total", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("http_request_duration_seconds", "Time to answer a request",
                                 ["method", "route"], registry=self.registry,
                                 buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1,
                                          2.5, 5))
        self.events = Counter("events_appended_total", "Events committed to the log",
                              ["type"], registry=self.registry)
        self._children: dict[tuple[str, str, int], tuple] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # label lookups cost more than the counting itself
            children = self._children[key] = (self.requests.labels(method, route, str(status)),
                                              self.latency.labels(method, route))
        children[0].inc()
        children[1].observe(seconds)

    def count_events(self, committed: list[StoredEvent]) -> None:
        for stored in committed:
            self.events.labels(stored.type).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
