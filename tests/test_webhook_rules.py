"""The rules of webhooks that need no server: every event type's name, the patterns,
which addresses are refused, the retry schedule, and the settings (the HTTP behaviour
is tests/test_webhooks.py)."""

import random
from dataclasses import fields
from pathlib import Path

import pytest

from events import types as ev
from service.settings import Settings
from service.webhooks import names, ssrf, state

# --- event names -----------------------------------------------------------------------------

def test_every_event_type_has_a_name_or_is_never_delivered():
    declared = set(ev.registered_types().values())
    assert declared == set(names.NAMES) | names.NOT_DELIVERED
    assert not set(names.NAMES) & names.NOT_DELIVERED
    assert len(set(names.NAMES.values())) == len(names.NAMES)


def test_patterns_name_the_event_types_they_subscribe_to():
    assert names.type_names(["option.*"]) == [
        "OptionAdded", "OptionRemoved", "OptionUpdated", "OptionsReordered"]
    assert names.type_names(["field.created", "mapping.deleted"]) == [
        "FieldCreated", "MappingDeleted"]
    assert len(names.type_names(["*"])) == len(names.NAMES)
    assert names.unknown(["field.*", "*", "connector.synced", "field", "x.*", "field.moved"]) == [
        "field", "x.*", "field.moved"]


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("10.0.0.7", "private"), ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"), ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"),
    ("240.0.0.1", "private"), ("100.64.0.1", "non-public"), ("::1", "loopback"),
    ("fe80::1", "link-local"), ("ff02::1", "multicast"), ("::", "unspecified"),
    ("::ffff:10.0.0.1", "private"), ("2002:7f00:1::1", "loopback"), ("fc00::1", "private"),
])
def test_every_kind_of_non_public_address_is_refused(address, kind):
    assert ssrf.refusal(address).startswith(kind), ssrf.refusal(address)


def test_public_addresses_are_taken():
    assert [ssrf.refusal(a) for a in ("93.184.216.34", "2606:4700::1111")] == [None, None]


def test_retries_wait_the_base_then_twice_as_long_each_time_with_jitter():
    rng = random.Random(7)
    for attempt, plain in enumerate([5, 10, 20, 40, 80], start=1):
        delays = [state.retry_delay(attempt, 5.0, rng) for _ in range(200)]
        assert plain * 0.8 <= min(delays) < max(delays) <= plain * 1.2
    assert state.retry_delay(30, 5.0, rng) <= state.MAX_DELAY * 1.2


def test_the_webhook_settings_come_from_the_environment_and_are_documented(monkeypatch):
    values = {"WEBHOOK_TIMEOUT_SECONDS": ("2.5", 2.5), "WEBHOOK_RETRY_BASE_SECONDS": ("0.5", 0.5),
              "WEBHOOK_RETRY_HOURS": ("1", 1.0), "WEBHOOK_POLL_SECONDS": ("3", 3.0),
              "WEBHOOK_DELIVERY_RETENTION_DAYS": ("2", 2), "WEBHOOK_ALLOW_PRIVATE": ("1", True)}
    for name, (raw, _) in values.items():
        monkeypatch.setenv(f"CUSTOM_FIELDS_{name}", raw)
    settings = Settings.from_env()
    operations = (Path(__file__).parent.parent / "docs" / "OPERATIONS.md").read_text()
    for name, (_, value) in values.items():
        assert getattr(settings, name.lower()) == value
        assert f"| `{name.lower()}` |" in operations, name
    assert {f.name for f in fields(Settings) if f.name.startswith("webhook_")} == {
        name.lower() for name in values}
