"""A synthetic log of N events, written fast, for the rebuild benchmark.

    python -m bench.generate_events --db PATH [--events 100000] [--seed 1]
                                    [--per-transaction 25000]

The mix is what tenants do over time: organizations with their integrations enabled,
API keys (a few revoked), connectors, fields of all three types (multiselect ones with
options, number ones with a format), renames and description edits, options added,
recoloured, renamed, reordered and removed, mappings scoped to an integration or to a
connector and their json_path edits, mapping deletes, field deletes with their cascade,
and syncs. Every event is made by the service's own command functions, so the events,
their stream versions and the live projections are exactly those the API would write.

It is fast because it skips everything around the commands: no HTTP, no event store
writer thread, no transaction per event. One `SqlWriteTransaction` per big
`BEGIN IMMEDIATE ... COMMIT` on a `synchronous=OFF` connection, with the real projector
and decision queries of the SQLite backend applied inline. Recorded times come from a
synthetic clock that spreads the events over the last 30 days, so `replay --until TIME`
has a past to go to.

Prints one JSON line: {"events": N, "seconds": ..., "events_per_second": ..., "db": PATH}.
The database must not exist yet (or hold no events).
"""

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from events import Metadata
from events import sqllog as log
from events.clock import iso_utc
from events.sqlite import schema
from events.sqlite.store import SQLITE_DRIVER
from events.sqltransaction import SqlWriteTransaction
from projections.decisions import SqlDecisions
from projections.projector import project
from projections.sqlite.schema import create_tables as create_side_tables
from service.commands import Command, Context
from service.commands.fields import CreateField, DeleteField, UpdateField
from service.commands.mappings import CreateMapping, DeleteMapping, UpdateMapping
from service.commands.options import AddOption, RemoveOption, ReorderOptions, UpdateOption
from service.commands.sync import SyncRecords
from service.commands.tenancy import (
    CreateConnector,
    CreateOrganization,
    EnableIntegrations,
    IssueKey,
    RevokeKey,
)
from service.keys import option_key
from service.settings import Settings

NUMBER_FORMATS = ("number", "percent", "USD", "EUR", "JPY", "CAD", "AUD", "CNY", "unformatted")
COLORS = [None, "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
OPTION_WORDS = ["Remote", "Hybrid", "On-site", "Full time", "Part time", "Contractor",
                "Intern", "Engineering", "Sales", "Finance", "People", "Legal", "Gold",
                "Silver", "Bronze", "EMEA", "APAC", "AMER", "Tier 1", "Tier 2", "Tier 3",
                "Priority", "Backlog", "Won", "Lost", "Open", "Closed", "Pending"]
FIELD_WORDS = ["cost_center", "badge_id", "shirt_size", "clearance", "region", "tier",
               "start_bonus", "referral_source", "parking_spot", "desk", "pronouns",
               "languages", "team_lead", "office", "segment", "renewal_date", "arr",
               "churn_risk", "nps", "visa_status"]
JSON_PATHS = ["custom_fields.{w}", "worker.fields.{w}", "properties.{w}.value",
              "data[?name=='{w}'].value | [0]", "attributes.{w}", "meta.extra.{w}"]
SOURCES = ["API", "DASHBOARD"]


@dataclass
class Field:
    id: str
    category: str
    type: str
    options: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)


@dataclass
class Org:
    id: str
    slug: str
    integrations: list[str]
    keys: list[str] = field(default_factory=list)
    connectors: list[tuple[str, str, str]] = field(default_factory=list)  # id, token, slug
    fields: list[Field] = field(default_factory=list)
    names: int = 0


class Clock:
    """Recorded times spread evenly over the last 30 days, one tick per event."""

    def __init__(self, events: int) -> None:
        self.now = datetime.now(UTC) - timedelta(days=30)
        self.step = timedelta(days=30) / max(events, 1)

    def __call__(self) -> str:
        self.now += self.step
        return iso_utc(self.now)


class Generator:
    def __init__(self, conn, target: int, seed: int, per_transaction: int) -> None:
        self.conn = conn
        self.target = target
        self.per_transaction = per_transaction
        self.rng = random.Random(seed)
        self.ctx = Context.from_settings(Settings())
        self.catalogue = self.ctx.catalogue
        self.clock = Clock(target)
        self.orgs: list[Org] = []
        self.written = 0
        self.tx: SqlWriteTransaction | None = None
        self.meta = Metadata(source="bench")

    # --- transactions ---------------------------------------------------------------------

    def _begin(self) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        self.tx = SqlWriteTransaction(self.conn, log.head(self.conn), [project], self.clock,
                                      SqlDecisions(self.conn), SQLITE_DRIVER)

    def _commit(self) -> None:
        assert self.tx is not None
        self.written += len(self.tx.appended)
        self.conn.execute("COMMIT")
        self.tx = None

    def count(self) -> int:
        return self.written + (len(self.tx.appended) if self.tx else 0)

    def run(self, command: Command):
        assert self.tx is not None
        return command.unit(self.ctx, self.meta)(self.tx)

    def generate(self) -> int:
        self._begin()
        try:
            while self.count() < self.target:
                if len(self.tx.appended) >= self.per_transaction:
                    self._commit()
                    self._begin()
                self.step(self.target - self.count())
            self._commit()
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return self.written

    # --- the mix --------------------------------------------------------------------------

    def step(self, remaining: int) -> None:
        """One command; near the end, only commands of exactly one event, to land on N."""
        rng = self.rng
        if not self.orgs or (remaining > 40 and rng.random() < 0.0004):
            return self.new_org(remaining)
        org = self.orgs[-1] if rng.random() < 0.6 else rng.choice(self.orgs)
        if remaining <= 40:
            return self.single_event(org)
        roll = rng.random()
        if roll < 0.22 or len(org.fields) < 5:
            self.new_field(org)
        elif roll < 0.44:
            self.new_mapping(org)
        elif roll < 0.56:
            self.option_change(org)
        elif roll < 0.66:
            self.mapping_update(org)
        elif roll < 0.76:
            self.field_update(org)
        elif roll < 0.80:
            self.delete_field(org, remaining - 12)
        elif roll < 0.83:
            self.delete_mapping(org)
        elif roll < 0.99:
            self.sync(org)
        elif roll < 0.995:
            self.new_connector(org)
        else:
            self.key(org)

    def single_event(self, org: Org) -> None:
        kinds = [self.field_update, self.key]
        if self._some(org, lambda f: f.mappings):
            kinds.append(self.mapping_update)
        if org.connectors:
            kinds.append(self.sync)
        self.rng.choice(kinds)(org)

    def new_org(self, remaining: int) -> None:
        slug = f"org-{len(self.orgs) + 1:04d}"
        created = self.run(CreateOrganization(slug, f"Organization {len(self.orgs) + 1}"))
        org = Org(created["id"], slug, [])
        self.orgs.append(org)
        if remaining > 40:
            slugs = list(self.catalogue.integrations)
            org.integrations = self.rng.sample(slugs, self.rng.randint(3, len(slugs)))
            self.run(EnableIntegrations(slug, tuple(org.integrations)))
            for _ in range(2):
                self.key(org)
            for integration in org.integrations[:3]:
                self.new_connector(org, integration)

    def key(self, org: Org) -> None:
        if org.keys and self.rng.random() < 0.3:
            self.run(RevokeKey(org.keys.pop(0)))
        else:
            org.keys.append(self.run(IssueKey(org.slug))["id"])

    def new_connector(self, org: Org, integration: str | None = None) -> None:
        if not org.integrations:
            return self.key(org)
        integration = integration or self.rng.choice(org.integrations)
        created = self.run(CreateConnector(integration, org_id=org.id))
        org.connectors.append((created["id"], created["connector_token"], integration))

    def _categories(self, org: Org) -> list[str]:
        return sorted({c for i in org.integrations
                       for c in self.catalogue.integrations[i].categories}) or ["CRM"]

    def new_field(self, org: Org) -> None:
        rng = self.rng
        category = rng.choice(self._categories(org))
        model = rng.choice(self.catalogue.models(category)).slug
        type_ = rng.choices(["text", "number", "multiselect"], [5, 2, 3])[0]
        org.names += 1
        options = []
        if type_ == "multiselect":
            values = rng.sample(OPTION_WORDS, rng.randint(2, 8))
            options = [{"value": v, "color": rng.choice(COLORS)} for v in values]
        number_format = ({"format": rng.choice(NUMBER_FORMATS), "decimal": rng.randint(0, 4)}
                         if type_ == "number" and rng.random() < 0.7 else None)
        created = self.run(CreateField(
            org_id=org.id, category=category, model=model,
            name=f"{rng.choice(FIELD_WORDS)}_{org.names}",
            description=rng.choice([None, "Synced from the HR system", "Set by admins"]),
            type=type_, options=options, number_format=number_format,
            source=rng.choice(SOURCES)))
        org.fields.append(Field(created["id"], category, type_, list(created["options"])))

    def _some(self, org: Org, wanted: Callable[[Field], object]) -> Field | None:
        """A random field of the org that is `wanted` (a few tries: orgs grow large)."""
        for _ in range(12):
            if not org.fields:
                return None
            f = self.rng.choice(org.fields)
            if wanted(f):
                return f
        return None

    def _json_path(self) -> str:
        return self.rng.choice(JSON_PATHS).format(w=self.rng.choice(FIELD_WORDS))

    def new_mapping(self, org: Org) -> None:
        rng = self.rng
        f = rng.choice(org.fields)
        serving = [i for i in org.integrations if self.catalogue.serves(i, f.category)]
        connectors = [c for c in org.connectors if self.catalogue.serves(c[2], f.category)]
        state = self.tx.state
        serving = [i for i in serving if not state.has_mapping(f.id, integration_slug=i)]
        connectors = [c for c in connectors if not state.has_mapping(f.id, connector_id=c[0])]
        if connectors and (not serving or rng.random() < 0.3):
            scope = {"integration_slug": None, "connector_token": rng.choice(connectors)[1]}
        elif serving:
            scope = {"integration_slug": rng.choice(serving), "connector_token": None}
        else:
            return self.new_field(org)
        created = self.run(CreateMapping(org_id=org.id, custom_field_id=f.id,
                                         json_path=self._json_path(), **scope))
        f.mappings.append(created["id"])

    def mapping_update(self, org: Org) -> None:
        f = self._some(org, lambda f: f.mappings)
        if f is None:
            return self.new_mapping(org)
        mapping_id = self.rng.choice(f.mappings)
        path = self.tx.state.mapping(org.id, mapping_id)["json_path"]
        new_path = self._json_path()
        while new_path == path:
            new_path = self._json_path()
        self.run(UpdateMapping(org.id, mapping_id, new_path))

    def delete_mapping(self, org: Org) -> None:
        f = self._some(org, lambda f: f.mappings)
        if f is None:
            return self.new_mapping(org)
        mapping_id = f.mappings.pop(self.rng.randrange(len(f.mappings)))
        self.run(DeleteMapping(org.id, mapping_id))

    def field_update(self, org: Org) -> None:
        if not org.fields:
            return self.key(org)
        f = self.rng.choice(org.fields)
        if self.rng.random() < 0.5:
            org.names += 1
            changes = {"name": f"{self.rng.choice(FIELD_WORDS)}_{org.names}"}
        else:
            changes = {"description": f"Edited {org.names}-{self.count()}"}
        self.run(UpdateField(org.id, f.id, changes))

    def option_change(self, org: Org) -> None:
        rng = self.rng
        f = self._some(org, lambda f: f.type == "multiselect")
        if f is None:
            return self.new_field(org)
        roll = rng.random()
        if roll < 0.35 or len(f.options) < 2:
            taken = {o["value_key"] for o in self.tx.state.options(f.id)}
            value = rng.choice(OPTION_WORDS)
            if option_key(value) in taken:
                value = f"{value} {self.count()}"
            added = self.run(AddOption(org.id, f.id, value, rng.choice(COLORS)))
            f.options.append(added["id"])
        elif roll < 0.65:
            option_id = rng.choice(f.options)
            color = rng.choice([c for c in COLORS if c is not None])
            current = next(o["color"] for o in self.tx.state.options(f.id)
                           if o["id"] == option_id)
            changes = {"color": color} if color != current else {
                "value": f"Renamed {self.count()}"}
            self.run(UpdateOption(org.id, f.id, option_id, changes))
        elif roll < 0.85:
            order = list(f.options)
            while order == f.options:
                rng.shuffle(order)
            self.run(ReorderOptions(org.id, f.id, order))
            f.options = order
        else:
            option_id = f.options.pop(rng.randrange(len(f.options)))
            self.run(RemoveOption(org.id, f.id, option_id))

    def delete_field(self, org: Org, budget: int) -> None:
        """Delete a field: one event for it, one per option, one per mapping."""
        index = self.rng.randrange(len(org.fields))
        f = org.fields[index]
        if len(org.fields) < 10 or 1 + len(f.options) + len(f.mappings) > budget:
            return self.new_field(org)
        org.fields.pop(index)
        self.run(DeleteField(org.id, f.id))

    def sync(self, org: Org) -> None:
        if not org.connectors:
            return self.new_connector(org)
        _, token, integration = self.rng.choice(org.connectors)
        category = self.catalogue.integrations[integration].categories[0]
        model = self.rng.choice(self.catalogue.models(category)).slug
        records = [{"remote_id": f"r{self.rng.randint(1, 200)}",
                    "data": {"id": n, "custom_fields": {w: self.rng.randint(0, 99)
                                                        for w in FIELD_WORDS[:4]}}}
                   for n in range(self.rng.randint(1, 5))]
        self.run(SyncRecords(org.id, token, category, model, records))


def create_tables(conn) -> None:
    conn.execute("BEGIN IMMEDIATE")
    schema.create_log(conn)
    create_side_tables(conn)
    conn.execute("COMMIT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate_events",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the SQLite file to create")
    parser.add_argument("--events", type=int, default=100_000, help="how many events")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the mix")
    parser.add_argument("--per-transaction", type=int, default=25_000,
                        help="events per BEGIN IMMEDIATE ... COMMIT")
    args = parser.parse_args(argv)
    directory = os.path.dirname(os.path.abspath(args.db))
    os.makedirs(directory, exist_ok=True)
    conn = schema.connect(args.db, "OFF")
    conn.execute("PRAGMA cache_size=-262144")  # 256 MiB: a big transaction stays in memory
    try:
        create_tables(conn)
        if log.head(conn)[0] != 0:
            print(f"{args.db} already holds events; give a new file", file=sys.stderr)
            return 2
        started = time.perf_counter()
        events = Generator(conn, args.events, args.seed, args.per_transaction).generate()
        seconds = time.perf_counter() - started
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    print(json.dumps({"events": events, "seconds": round(seconds, 3),
                      "events_per_second": round(events / seconds), "db": args.db}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
