"""The replicas' role of docs/SCALING.md, set up by the statements the document shows
(read from it, so the document cannot drift): the service runs as a role that appends
to the log and never changes it, and the database refuses that role an UPDATE or a
DELETE of an event, before any trigger is asked.
"""

import json
import re
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.pgcluster import DATABASES, schema_url
from tests.processes import ROOT, cli_json, run_cli

SCALING = Path(ROOT) / "docs" / "SCALING.md"


def documented_statements() -> tuple[list[str], list[str]]:
    """The SQL block after `<!-- roles-sql -->`: (before migrate, after migrate)."""
    text = SCALING.read_text()
    block = re.search(r"<!-- roles-sql -->\s*```sql\n(.*?)```", text, re.S)
    assert block, "docs/SCALING.md has no roles-sql block"
    lines = block.group(1).splitlines()
    [cut] = [n for n, line in enumerate(lines) if line.startswith("-- after `custom-fields")]
    return _statements(lines[:cut]), _statements(lines[cut:])


def _statements(lines: list[str]) -> list[str]:
    sql = " ".join(line for line in lines if not line.lstrip().startswith("--"))
    return [s.strip() for s in sql.split(";") if s.strip()]


def as_role(url: str, role: str) -> str:
    """`url` (postgresql://postgres@...) as another role."""
    return url.replace("postgresql://postgres@", f"postgresql://{role}@", 1)


@pytest.fixture
def deployment():
    """The documented deployment, with names of its own: (owner URL, app URL, admin)."""
    suffix = uuid.uuid4().hex[:8]
    names = {"custom_fields_owner": f"owner_{suffix}", "custom_fields_app": f"app_{suffix}",
             "custom_fields": f"cf_{suffix}"}

    def named(statement: str) -> str:
        for documented, actual in names.items():
            statement = re.sub(rf"\b{documented}\b", actual, statement)
        return statement

    before, after = documented_statements()
    admin = psycopg.connect(DATABASES.base, autocommit=True)
    for statement in before:
        admin.execute(named(statement))
    schema = names["custom_fields"]
    owner = schema_url(as_role(DATABASES.base, names["custom_fields_owner"]), schema)
    app = schema_url(as_role(DATABASES.base, names["custom_fields_app"]), schema)
    migrated = cli_json(owner, "migrate")
    assert migrated["schema"] == {"log": [1, 2], "projections": [1, 2], "webhooks": [1]}
    for statement in after:
        admin.execute(named(statement))
    try:
        yield owner, app, admin
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        for role in (names["custom_fields_app"], names["custom_fields_owner"]):
            admin.execute(f"DROP ROLE {role}")
        admin.close()


def test_the_documented_block_has_the_statements_the_deployment_needs():
    before, after = documented_statements()
    assert any(s.startswith("CREATE SCHEMA") for s in before)
    assert any(s.startswith("REVOKE UPDATE, DELETE, TRUNCATE") for s in after)


def test_the_replicas_role_appends_reads_and_rebuilds_but_cannot_change_the_log(deployment):
    owner, app, _ = deployment
    cli_json(app, "org", "create", "--slug", "acme", "--name", "Acme")
    cli_json(app, "key", "create", "--org", "acme")
    cli_json(app, "integration", "enable", "--org", "acme", "workday")
    assert json.loads(run_cli(app, "rebuild").stdout)["matched"] is True
    verified = run_cli(app, "verify")
    assert verified.returncode == 0 and json.loads(verified.stdout)["ok"] is True, verified

    with psycopg.connect(app, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (3,)
        for statement in ("UPDATE events SET data = '{}' WHERE seq = 1",
                          "DELETE FROM events WHERE seq = 1", "TRUNCATE events",
                          "ALTER TABLE events DISABLE TRIGGER events_refuse_update"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert len(cli_json(owner, "migrate")["schema"]["log"]) == 2
    assert run_cli(app, "events").stdout.count("\n") == 3
