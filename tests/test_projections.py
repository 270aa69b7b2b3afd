"""Property-based tests of the projections against the log (DESIGN sections 1 and 7).

Generated sequences of commands run straight through the event store and the command
objects (no HTTP): organizations, integrations, keys, connectors, fields of every type,
options, mappings of both scopes, field deletes with their cascade, and syncs, with a
good share of commands that must fail with a `DomainError` (duplicates, unknown or
foreign ids, unsafe type changes), some already in their stateless `check`, before
anything is queued. Commands draw their arguments from the state the earlier ones left,
so they refer to real ids. After every sequence:

a) a rebuild through a Maintenance of its own matches the live projections, checksum
   for checksum, leaves them as they were, and `verify` is ok;
b) replaying the log up to the head seen after each successful command gives exactly
   the state the live projections had then;
c) a failed command changes neither the log head nor the projections nor the synced
   rows, and none of its events (tagged by request id) ever reaches the log.

Some steps submit a few commands at once, so they share one group commit: a failing
unit there must be rolled back alone.

The suite runs over every backend: it is parametrized over `tests/backends.py:HARNESSES`
(ids `[postgresql]`, `[sqlite]`; fewer examples on PostgreSQL, see `EXAMPLES`), and each
example opens a fresh backend in a temporary directory. The
state is read only through the backend (its store's head, its Maintenance's dump, replay,
rebuild and verify) and its harness (the synced rows), never through a connection of
the test's own.
"""

import asyncio
import tempfile
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from events import EventStore, Metadata
from projections import Maintenance
from service.catalogue import Catalogue
from service.commands import Context, tenancy
from service.commands import fields as field_cmds
from service.commands import mappings as mapping_cmds
from service.commands import options as option_cmds
from service.commands import sync as sync_cmds
from service.errors import DomainError
from service.settings import Settings
from tests.backends import HARNESSES

CATALOGUE = Catalogue.load()
CTX = Context.from_settings(Settings(synchronous="OFF"), CATALOGUE)
INTEGRATIONS = sorted(CATALOGUE.integrations)
MODELS = [(m.category, m.slug) for m in CATALOGUE.models()]
NUMBER_FORMATS = ("number", "percent", "USD", "EUR", "JPY", "CAD", "AUD", "CNY", "unformatted")

# small pools, so that duplicates (also case-insensitive ones) come up often
ORG_SLUGS = ["acme", "globex", "initech"]
FIELD_NAMES = ["status", "Status", "STATUS", "region", "cost_center", "straße", "STRASSE",
               "Ünïcode name", "level"]
OPTION_VALUES = ["Red", "red", "Blue", "Green", "ß", "SS", "ss", "Ångström", "✓ done"]
COLORS = [None, "#ff0000", "#00FF00", "blue"]
JSON_PATHS = ["custom.cost_center", "employee.fields[0].value", "data.status",
              "tags[?kind=='x'].name | [0]", "`\"literal\"`", "a.b.c"]

names = st.one_of(st.sampled_from(FIELD_NAMES),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
                          min_size=1, max_size=12).map(str.strip).filter(bool))
option_values = st.one_of(st.sampled_from(OPTION_VALUES),
                          st.text(min_size=1, max_size=8).map(str.strip).filter(bool))
descriptions = st.one_of(st.none(), st.text(max_size=20))
number_formats = st.builds(lambda f, d: {"format": f, "decimal": d},
                           st.sampled_from(NUMBER_FORMATS), st.integers(0, 10))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=6)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=4), inner, max_size=3)),
    max_leaves=6)

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def unknown_id() -> str:
    return str(uuid.uuid4())


class World:
    """What the live projections hold, read through the backend's Maintenance (a
    connection of its own) as of the last `refresh`; commands are drawn from it."""

    def __init__(self, store: EventStore, maintenance: Maintenance, harness: Any) -> None:
        self.store = store
        self.maintenance = maintenance
        self.harness = harness
        self.state: dict[str, list[dict[str, Any]]] = maintenance.dump()
        self.seen_fields: list[str] = []      # every field id ever seen, deleted ones too
        self.seen_mappings: list[str] = []
        self.seen_options: list[str] = []

    def refresh(self) -> None:
        self.state = self.maintenance.dump()  # each table sorted by id
        for seen, table in ((self.seen_fields, "fields"), (self.seen_mappings, "mappings"),
                            (self.seen_options, "field_options")):
            for row in self.state[table]:
                if row["id"] not in seen:
                    seen.append(row["id"])

    def orgs(self) -> list[tuple[str, str]]:
        return [(r["id"], r["slug"]) for r in self.state["organizations"]]

    def fields(self) -> list[tuple[str, str, str, str]]:
        return [(r["id"], r["org_id"], r["category"], r["type"]) for r in self.state["fields"]]

    def field_versions(self, field_id: str) -> list[int]:
        return [r["version"] for r in self.state["fields"] if r["id"] == field_id]

    def options(self, field_id: str) -> list[str]:
        return [r["id"] for r in sorted(
            (r for r in self.state["field_options"] if r["field_id"] == field_id),
            key=lambda r: r["position"])]

    def any_options(self) -> bool:
        return bool(self.state["field_options"])

    def enabled(self, org_id: str) -> list[str]:
        return sorted(r["integration_slug"] for r in self.state["org_integrations"]
                      if r["org_id"] == org_id)

    def orgs_with_integrations(self) -> list[str]:
        return sorted({r["org_id"] for r in self.state["org_integrations"]})

    def connectors(self) -> list[tuple[str, str, str, str]]:
        return [(r["id"], r["org_id"], r["integration_slug"], r["token"])
                for r in self.state["connectors"]]

    def mappings(self) -> list[tuple[str, str]]:
        return [(r["id"], r["org_id"]) for r in self.state["mappings"]]

    def keys(self) -> list[str]:
        return [r["id"] for r in self.state["api_keys"]]

    async def snapshot(self) -> tuple[tuple, dict, list]:
        """(log head, projection dump, synced rows): everything a write may change, as
        they are now."""
        return (await self.store.head(), self.maintenance.dump(),
                self.harness.synced_records())


# --- command drawing: each returns (kind, command) ----------------------------------------

def _pick(data, items, *, fallback):
    """Mostly an existing item; sometimes (or when there is none) `fallback()`."""
    if items and data.draw(st.integers(0, 9), label="existing?") > 0:
        return data.draw(st.sampled_from(items))
    return fallback()


def _rarely(data, one_in: int = 10) -> bool:
    return data.draw(st.integers(1, one_in), label="rarely?") == 1


def _org(data, world: World) -> tuple[str, str]:
    return _pick(data, world.orgs(), fallback=lambda: (unknown_id(), "no-such-org"))


def _field(data, world: World, *, types: tuple[str, ...] | None = None,
           with_options: bool = False):
    live = [f for f in world.fields() if (types is None or f[3] in types)
            and (not with_options or world.options(f[0]))]
    stale = [(fid, None, None, None) for fid in world.seen_fields
             if fid not in {f[0] for f in world.fields()}]
    field = _pick(data, live, fallback=lambda: data.draw(st.sampled_from(
        stale + [(unknown_id(), None, None, None)])))
    # the right organization mostly, another one (a 404 in the API) sometimes
    org_id = field[1]
    if org_id is None or data.draw(st.integers(0, 9), label="foreign org?") == 0:
        org_id = _org(data, world)[0]
    return field, org_id


KINDS = {  # command -> what must exist for it to have a chance to succeed
    "org": None, "enable": "orgs", "key": "orgs", "revoke": "keys",
    "connector": "enabled", "field": "orgs", "update_field": "fields",
    "delete_field": "fields", "add_option": "multiselect", "update_option": "options",
    "remove_option": "options", "reorder": "options", "mapping": "fields",
    "update_mapping": "mappings", "delete_mapping": "mappings", "sync": "connectors",
}
WEIGHTS = {"org": 2, "field": 4, "mapping": 3, "add_option": 2, "connector": 2,
           "update_field": 2, "enable": 2}


def draw_command(data, world: World):
    have = {
        "orgs": bool(world.orgs()),
        "keys": bool(world.keys()),
        "enabled": bool(world.orgs_with_integrations()),
        "fields": bool(world.fields()),
        "multiselect": any(f[3] == "multiselect" for f in world.fields()),
        "options": world.any_options(),
        "mappings": bool(world.mappings()),
        "connectors": bool(world.connectors()),
    }
    possible = [k for k, need in KINDS.items() if need is None or have[need]]
    if data.draw(st.integers(0, 9), label="anything goes?") == 0:
        possible = list(KINDS)  # also commands bound to fail for want of anything
    kind = data.draw(st.sampled_from(
        [k for k in possible for _ in range(WEIGHTS.get(k, 1))]), label="command")
    if kind == "org":
        slug = data.draw(st.sampled_from(ORG_SLUGS))
        name = data.draw(st.sampled_from(["Acme Inc", "  Globex  "]))
        if _rarely(data):
            slug, name = data.draw(st.sampled_from([("Bad Slug", "x"), ("blank", "   ")]))
        return kind, tenancy.CreateOrganization(slug, name)
    if kind == "enable":
        slug = _org(data, world)[1]
        slugs = data.draw(st.lists(st.sampled_from(INTEGRATIONS), min_size=1, max_size=4))
        if _rarely(data):
            slugs.append("nosuchthing")
        return kind, tenancy.EnableIntegrations(slug, tuple(slugs))
    if kind == "key":
        return kind, tenancy.IssueKey(_org(data, world)[1])
    if kind == "revoke":
        key_id = _pick(data, world.keys(), fallback=unknown_id)
        return kind, tenancy.RevokeKey(key_id)
    if kind == "connector":
        org_id = _pick(data, world.orgs_with_integrations(),
                       fallback=lambda: _org(data, world)[0])
        integration = _pick(data, world.enabled(org_id), fallback=lambda: data.draw(
            st.sampled_from(INTEGRATIONS + ["nosuchthing"])))
        name = data.draw(st.one_of(st.none(), st.sampled_from(["Main", "EU tenant"])))
        return kind, tenancy.CreateConnector(integration, name=name, org_id=org_id)
    if kind == "field":
        org_id = _org(data, world)[0]
        served = [(c, m) for c, m in MODELS
                  if any(CATALOGUE.serves(i, c) for i in world.enabled(org_id))]
        category, model = _pick(data, served, fallback=lambda: data.draw(
            st.sampled_from(MODELS + [("CRM", "spaceship")])))
        type_ = data.draw(st.sampled_from(["text", "number", "multiselect"]))
        options = []
        if type_ == "multiselect":
            options = [{"value": v, "color": data.draw(st.sampled_from(COLORS))}
                       for v in data.draw(st.lists(option_values, max_size=4))]
        number_format = (data.draw(st.one_of(st.none(), number_formats))
                         if type_ == "number" else None)
        return kind, field_cmds.CreateField(
            org_id=org_id, category=category, model=model, name=data.draw(names),
            description=data.draw(descriptions), type=type_, options=options,
            number_format=number_format, source=data.draw(st.sampled_from(["API", "DASHBOARD"])))
    if kind == "update_field":
        (field_id, *_), org_id = _field(data, world)
        changes: dict[str, Any] = {}
        if data.draw(st.booleans(), label="rename?"):
            changes["name"] = data.draw(names)
        if data.draw(st.booleans(), label="describe?"):
            changes["description"] = data.draw(descriptions)
        if _rarely(data, 3):
            changes["type"] = data.draw(st.sampled_from(["text", "number", "multiselect"]))
        if data.draw(st.booleans(), label="reformat?"):
            changes["number_format"] = data.draw(st.one_of(st.none(), number_formats))
        if_match = None
        if _rarely(data, 5):  # the version it is at, or a stale one (an ETag is text)
            if_match = str(data.draw(st.sampled_from(world.field_versions(field_id) + [1]),
                                     label="if_match"))
        return kind, field_cmds.UpdateField(org_id, field_id, changes, if_match=if_match)
    if kind == "delete_field":
        (field_id, *_), org_id = _field(data, world)
        return kind, field_cmds.DeleteField(org_id, field_id)
    if kind in ("add_option", "update_option", "remove_option", "reorder"):
        types = None if data.draw(st.integers(0, 5)) == 0 else ("multiselect",)
        with_options = kind != "add_option" and types is not None
        (field_id, *_), org_id = _field(data, world, types=types, with_options=with_options)
        current = world.options(field_id)
        if kind == "add_option":
            return kind, option_cmds.AddOption(org_id, field_id, data.draw(option_values),
                                               data.draw(st.sampled_from(COLORS)))
        if kind == "reorder":
            order = data.draw(st.one_of(st.permutations(current),
                                        st.lists(st.sampled_from(current + [unknown_id()]),
                                                 max_size=4)))
            return kind, option_cmds.ReorderOptions(org_id, field_id, list(order))
        option_id = _pick(data, current, fallback=lambda: data.draw(
            st.sampled_from(world.seen_options + [unknown_id()])))
        if kind == "remove_option":
            return kind, option_cmds.RemoveOption(org_id, field_id, option_id)
        changes = {}
        if data.draw(st.booleans(), label="revalue?"):
            changes["value"] = data.draw(option_values)
        if data.draw(st.booleans(), label="recolor?"):
            changes["color"] = data.draw(st.sampled_from(COLORS))
        return kind, option_cmds.UpdateOption(org_id, field_id, option_id, changes)
    if kind == "mapping":
        (field_id, _, category, _), org_id = _field(data, world)
        integration_slug = connector_token = None
        if data.draw(st.booleans(), label="connector scoped?"):
            tokens = [c[3] for c in world.connectors()
                      if c[1] == org_id and CATALOGUE.serves(c[2], category)]
            connector_token = _pick(data, tokens, fallback=lambda: data.draw(st.sampled_from(
                [c[3] for c in world.connectors()] + ["cft_nosuchtoken"])))
        else:
            serving = [i for i in world.enabled(org_id) if CATALOGUE.serves(i, category)]
            integration_slug = _pick(data, serving, fallback=lambda: data.draw(
                st.sampled_from(INTEGRATIONS)))
        return kind, mapping_cmds.CreateMapping(
            org_id=org_id, custom_field_id=field_id,
            json_path=data.draw(st.sampled_from(JSON_PATHS)),
            integration_slug=integration_slug, connector_token=connector_token)
    if kind in ("update_mapping", "delete_mapping"):
        mapping_id, org_id = _pick(data, world.mappings(), fallback=lambda: (data.draw(
            st.sampled_from(world.seen_mappings + [unknown_id()])), _org(data, world)[0]))
        if data.draw(st.integers(0, 9), label="foreign org?") == 0:
            org_id = _org(data, world)[0]
        if kind == "delete_mapping":
            return kind, mapping_cmds.DeleteMapping(org_id, mapping_id)
        return kind, mapping_cmds.UpdateMapping(org_id, mapping_id,
                                                data.draw(st.sampled_from(JSON_PATHS)))
    assert kind == "sync"
    connectors = world.connectors()
    if not connectors:  # the handler resolves the connector first: nothing to sync
        return draw_command(data, world)
    _, org_id, integration, token = data.draw(st.sampled_from(connectors))
    category = CATALOGUE.integrations[integration].categories[0]
    model = data.draw(st.sampled_from([m.slug for m in CATALOGUE.models(category)]))
    records = data.draw(st.lists(st.fixed_dictionaries({
        "remote_id": st.sampled_from(["r1", "r2", "r3"]), "data": json_values}), max_size=4))
    return kind, sync_cmds.SyncRecords(org_id, token, category, model, records)


# an organization that can map every category, with a connector per category
BOOTSTRAP = [
    lambda world: ("org", tenancy.CreateOrganization("acme", "Acme")),
    lambda world: ("enable", tenancy.EnableIntegrations("acme", tuple(INTEGRATIONS))),
    *[lambda world, i=integration: ("connector", tenancy.CreateConnector(
        i, org_id=world.orgs()[0][0])) for integration in ("workday", "greenhouse", "hubspot")],
]


# --- the run --------------------------------------------------------------------------------

def queued(command, request_id: str):
    """The command as a unit for the store, or the error its `check` raised (then
    nothing is queued)."""
    try:
        return command.unit(CTX, Metadata(request_id=request_id))
    except Exception as exc:  # noqa: BLE001 - judged with the outcomes of the writes
        return exc


async def run_sequence(data, harness) -> None:
    backend = await harness.backend(synchronous="OFF").open()
    store = backend.store
    observer = backend.maintenance()
    try:
        world = World(store, observer, harness)
        head, state, _ = await world.snapshot()
        history: list[tuple[int, dict]] = [(head.seq, state)]
        succeeded: set[str] = set()
        failed: set[str] = set()
        steps = data.draw(st.integers(3, 25), label="steps")
        counter = 0
        prefix = list(BOOTSTRAP) if data.draw(st.booleans(), label="bootstrap?") else []
        for _ in range(steps + len(prefix)):
            world.refresh()
            together = 1 if prefix else data.draw(st.sampled_from([1, 1, 1, 1, 2, 3]),
                                                  label="group size")
            batch = []
            for _ in range(together):
                kind, command = prefix.pop(0)(world) if prefix else draw_command(data, world)
                counter += 1
                request_id = f"req-{counter}"
                batch.append((kind, request_id, queued(command, request_id)))
            before = await world.snapshot()
            written = iter(await asyncio.gather(
                *(store.write(unit) for _, _, unit in batch
                  if not isinstance(unit, BaseException)), return_exceptions=True))
            outcomes = [unit if isinstance(unit, BaseException) else next(written)
                        for _, _, unit in batch]
            for (kind, request_id, _), outcome in zip(batch, outcomes):
                if isinstance(outcome, BaseException):
                    # only domain errors: anything else is an invariant the command
                    # missed and the database caught (or a crash)
                    assert isinstance(outcome, DomainError), (kind, repr(outcome))
                    failed.add(request_id)
                    event(f"{kind}: {outcome.code}")
                else:
                    succeeded.add(request_id)
                    event(f"{kind}: ok")
            after = await world.snapshot()
            if all(isinstance(o, BaseException) for o in outcomes):
                # (c) failures leave no trace: log head, projections, synced rows
                assert after == before, [kind for kind, _, _ in batch]
            else:
                history.append((after[0].seq, after[1]))

        # (c) no event of a failed command ever reached the log
        logged = {e.metadata.get("request_id") for e in await store.read_events()}
        assert logged <= succeeded, logged & failed
        assert not (logged & failed)

        # (b) replay up to each recorded head gives the state recorded there
        for seq, state in history:
            assert observer.replay(until_seq=seq)["state"] == state, seq

        # (a) a rebuild through another Maintenance matches the live projections and
        # changes nothing
        with backend.maintenance() as other:
            live_state, live_sum = other.dump(), other.checksum()
            result = other.rebuild()
            assert result["matched"] is True, result
            assert result["checksum"] == live_sum
            assert result["events"] == (await store.head()).seq
            assert other.dump() == live_state
            assert other.verify()["ok"] is True
    finally:
        observer.close()
        await backend.close()


# Examples per backend: the projector, decisions and queries are the same SQL on both;
# what PostgreSQL adds (its DDL, types and connections) shows in a few examples, each of
# which costs a fresh schema and a dozen round trips per step.
EXAMPLES = {"sqlite": 25, "postgresql": 8}


@pytest.mark.parametrize("harness_name", sorted(HARNESSES))
def test_projections_equal_replayed_log(harness_name):
    @settings(FAST, max_examples=EXAMPLES[harness_name])
    @given(st.data())
    def holds(data):
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(run_sequence(data, HARNESSES[harness_name](directory)))

    holds()


# --- bodies that are not text ------------------------------------------------------------

@pytest.mark.parametrize("path, body", [
    ("/api/v1/custom-fields",
     b'{"category":"HRIS","model":"employee","name":"cost_center","description":"x\\ud800"}'),
    ("/api/v1/connectors/{token}/sync",
     b'{"category":"HRIS","model":"employee","records":[{"remote_id":"r1",'
     b'"data":{"a":"\\udc00"}}]}'),
], ids=["field-description", "sync-record"])
async def test_lone_surrogate_in_body_is_a_4xx_not_a_500(client, tenant, path, body):
    response = await client.post(path.format(token=tenant.connector_token), data=body,
                                 headers={**tenant.headers,
                                          "Content-Type": "application/json"})
    assert 400 <= response.status < 500, await response.text()
