"""The `custom-fields` command line end to end (DESIGN section 8), in subprocesses.

One module-scoped database is bootstrapped through the CLI itself (organization, keys,
integrations, connector, a revoked key, a second organization); tests that only read it
share it, and the one that tampers with the log works on a copy. Each subprocess costs
about half a second, so commands that change nothing run side by side.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service import cli
from tests.backends import HARNESSES, harness_for
from tests.processes import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines()]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOM_FIELDS_")}
    env.update(extra or {})
    return env


def _spawn(db: str | None, args, env=None) -> subprocess.Popen:
    command = [sys.executable, "-m", "service"] + (["--db", db] if db else []) + list(args)
    return subprocess.Popen(command, cwd=ROOT, env=_env(env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _collect(process: subprocess.Popen, args) -> Result:
    stdout, stderr = process.communicate(timeout=60)
    return Result(tuple(args), process.returncode, stdout, stderr)


def run(db: str | None, *args: str, env: dict[str, str] | None = None) -> Result:
    return _collect(_spawn(db, args, env), args)


def run_side_by_side(db: str, commands: list[list[str]]) -> list[Result]:
    """Several commands at once (for commands that must not write anything)."""
    processes = [(_spawn(db, args), args) for args in commands]
    return [_collect(process, args) for process, args in processes]


@dataclass
class Bootstrapped:
    db: str
    org: Result
    key: Result
    revoked_key: Result
    revoke: Result
    integrations: Result
    connector: Result
    other_org: Result


@pytest.fixture(scope="module", params=sorted(HARNESSES))
def boot(request, tmp_path_factory) -> Bootstrapped:
    """The bootstrapped database, once per backend (`--db` a file or a URL)."""
    db = HARNESSES[request.param](str(tmp_path_factory.mktemp("cli"))).db
    org = run(db, "org", "create", "--slug", "acme", "--name", "Acme Corp")
    key = run(db, "key", "create", "--org", "acme")
    integrations = run(db, "integration", "enable", "--org", "acme", "workday", "hubspot",
                       "workday")
    connector = run(db, "connector", "create", "--org", "acme", "--integration", "workday",
                    "--name", "HR sync")
    revoked_key = run(db, "key", "create", "--org", "acme")
    revoke = run(db, "key", "revoke", revoked_key.json["id"])
    other_org = run(db, "org", "create", "--slug", "globex", "--name", "Globex")
    return Bootstrapped(db, org, key, revoked_key, revoke, integrations, connector, other_org)


# event seqs of the bootstrap, in order
ORG_CREATED, KEY_ISSUED = 1, 2
WORKDAY_ENABLED, HUBSPOT_ENABLED = 3, 4
CONNECTOR_CREATED, SECOND_KEY_ISSUED, KEY_REVOKED, OTHER_ORG_CREATED = 5, 6, 7, 8
TOTAL_EVENTS = 8


def _ok(result: Result) -> Result:
    assert result.returncode == 0, (result.args, result.stderr)
    return result


def test_tenancy_commands_print_the_documented_json(boot):
    org = _ok(boot.org).json
    assert set(org) == {"id", "slug", "name"}
    assert (org["slug"], org["name"]) == ("acme", "Acme Corp")

    key = _ok(boot.key).json
    assert set(key) == {"id", "key", "organization"}
    assert key["organization"] == "acme"
    assert key["key"].startswith("cfk_") and len(key["key"]) >= 43
    assert key["key"] != _ok(boot.revoked_key).json["key"]

    assert _ok(boot.revoke).json == {"id": boot.revoked_key.json["id"], "revoked": True}

    assert _ok(boot.integrations).json == {"organization": "acme",
                                           "integrations": ["hubspot", "workday"]}

    connector = _ok(boot.connector).json
    assert {"id", "connector_token"} <= set(connector)
    assert connector["connector_token"].startswith("cft_")
    assert connector["integration_slug"] == "workday"
    assert connector["name"] == "HR sync"

    assert _ok(boot.other_org).json["slug"] == "globex"
    for result in (boot.org, boot.key, boot.revoke, boot.integrations, boot.connector):
        assert result.stdout.count("\n") == 1, "one JSON document per command"


def test_the_key_secret_is_stored_only_as_a_hash(boot):
    secret = boot.key.json["key"]
    assert secret not in harness_for(boot.db).dump_text()


def test_events_prints_the_log_as_json_lines(boot):
    everything, filtered = run_side_by_side(boot.db, [
        ["events"], ["events", "--org", "acme", "--after", str(CONNECTOR_CREATED)]])

    lines = _ok(everything).lines
    assert [e["seq"] for e in lines] == list(range(1, TOTAL_EVENTS + 1))
    assert [e["type"] for e in lines] == [
        "OrganizationCreated", "ApiKeyIssued", "IntegrationEnabled", "IntegrationEnabled",
        "ConnectorCreated", "ApiKeyIssued", "ApiKeyRevoked", "OrganizationCreated"]
    for event in lines:
        assert {"seq", "event_id", "organization_id", "stream_id", "stream_version", "type",
                "schema_version", "data", "metadata", "recorded_at", "prev_hash",
                "hash"} <= set(event)
    assert lines[0]["data"]["slug"] == "acme"

    assert [e["seq"] for e in _ok(filtered).lines] == [SECOND_KEY_ISSUED, KEY_REVOKED]


def test_the_database_defaults_to_the_custom_fields_db_environment_variable(boot):
    by_env = _ok(run(None, "events", env={"CUSTOM_FIELDS_DB": boot.db}))
    assert len(by_env.lines) == TOTAL_EVENTS


BAD_INPUT = [
    ["key", "create", "--org", "no-such-org"],
    ["integration", "enable", "--org", "acme", "no-such-integration"],
    ["connector", "create", "--org", "acme", "--integration", "no-such-integration"],
    ["connector", "create", "--org", "acme", "--integration", "greenhouse"],  # not enabled
    ["org", "create", "--slug", "acme", "--name", "Acme again"],
    ["key", "revoke", "no-such-key-id"],
    # a connector's name is refused as the API refuses it (and blank is refused too)
    ["connector", "create", "--org", "acme", "--integration", "workday", "--name", ""],
    ["connector", "create", "--org", "acme", "--integration", "workday", "--name", "   "],
    ["connector", "create", "--org", "acme", "--integration", "workday", "--name", "n" * 201],
]


def test_bad_input_fails_on_stderr_with_exit_1_and_writes_nothing(boot):
    before = _ok(run(boot.db, "events")).lines

    failures = run_side_by_side(boot.db, BAD_INPUT)

    for result in failures:
        assert result.returncode == 1, result.args  # was != 0; bad input is 1, never 2
        assert result.stdout == "", result.args
        assert result.stderr.startswith("custom-fields: "), (result.args, result.stderr)
        assert len(result.stderr.splitlines()) == 1, (result.args, result.stderr)
        if result.args[:2] == ("connector", "create") and "--name" in result.args:
            assert "connector name is 1-200 characters" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr, result.args
    after = _ok(run(boot.db, "events")).lines
    assert after == before


def test_verify_reports_ok_on_an_untouched_log(boot):
    result = _ok(run(boot.db, "verify")).json
    assert result["ok"] is True
    assert result["events"] == TOTAL_EVENTS


def test_rebuild_reports_the_events_the_checksum_and_a_match(boot):
    result = _ok(run(boot.db, "rebuild")).json
    assert set(result) == {"events", "checksum", "matched"}
    assert result["events"] == TOTAL_EVENTS
    assert result["matched"] is True
    with harness_for(boot.db).backend().maintenance() as maintenance:
        assert result["checksum"] == maintenance.checksum()


def test_replay_until_a_sequence_number_gives_the_state_after_that_event(boot):
    before_revoke, all_of_acme = run_side_by_side(boot.db, [
        ["replay", "--until", str(SECOND_KEY_ISSUED), "--org", "acme"],
        ["replay", "--until", str(TOTAL_EVENTS), "--org", "acme"]])

    early = _ok(before_revoke).json
    assert early["events"] == SECOND_KEY_ISSUED
    state = early["state"]
    assert [o["slug"] for o in state["organizations"]] == ["acme"]
    assert sorted(i["integration_slug"] for i in state["org_integrations"]) == [
        "hubspot", "workday"]
    assert [c["name"] for c in state["connectors"]] == ["HR sync"]
    assert len(state["api_keys"]) == 2
    assert all(k["revoked_at"] is None for k in state["api_keys"])

    late = _ok(all_of_acme).json["state"]
    assert [o["slug"] for o in late["organizations"]] == ["acme"], "globex is filtered out"
    revoked = {k["id"]: k["revoked_at"] for k in late["api_keys"]}
    assert revoked[boot.key.json["id"]] is None
    assert revoked[boot.revoked_key.json["id"]] is not None


def test_replay_until_an_iso_time_gives_the_state_at_that_time(boot):
    [event] = [e for e in _ok(run(boot.db, "events")).lines if e["seq"] == HUBSPOT_ENABLED]
    recorded_at = event["recorded_at"]
    moment = datetime.strptime(recorded_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC)
    in_paris_summer = moment.astimezone(timezone(timedelta(hours=2))).isoformat()

    result = _ok(run(boot.db, "replay", "--until", in_paris_summer)).json

    assert result["events"] == HUBSPOT_ENABLED
    assert [o["slug"] for o in result["state"]["organizations"]] == ["acme"]
    assert result["state"]["connectors"] == []


def test_replay_until_garbage_fails_cleanly(boot):
    result = run(boot.db, "replay", "--until", "yesterday-ish")
    assert result.returncode == 1  # bad input: 1 (it was 2, which now means usage only)
    assert result.stdout == ""
    assert "--until" in result.stderr
    assert "Traceback" not in result.stderr


def test_replay_until_a_unicode_digit_fails_cleanly(boot, capsys):
    code = cli.main(["--db", boot.db, "replay", "--until", "¹"])
    assert code == 1
    assert "--until" in capsys.readouterr().err


def _restored_copy(boot, tmp_path):
    """The bootstrapped database backed up and restored into a new one, of the same
    backend: (the backup's report, the restore's report, the copy's harness)."""
    export = str(tmp_path / "backup.jsonl")
    backup = _ok(run(boot.db, "backup", "--to", export)).json
    copy = HARNESSES[harness_for(boot.db).name](str(tmp_path))
    restored = _ok(run(copy.db, "restore", "--from", export)).json
    return backup, restored, copy


def test_verify_exits_1_after_an_event_was_tampered_with(boot, tmp_path):
    _, _, copy = _restored_copy(boot, tmp_path)
    [event] = [e for e in _ok(run(boot.db, "events")).lines if e["seq"] == OTHER_ORG_CREATED]
    copy.tamper_event_data(OTHER_ORG_CREATED, {**event["data"], "name": "Evil Corp"})

    result = run(copy.db, "verify")

    assert result.returncode == 1
    report = result.json
    assert report["ok"] is False
    assert report["chain"]["ok"] is False
    assert report["chain"]["first_bad_seq"] == OTHER_ORG_CREATED


def test_backup_and_restore_give_the_same_log_and_projections(boot, tmp_path):
    backup, restored, copy = _restored_copy(boot, tmp_path)
    events = _ok(run(boot.db, "events")).lines
    assert backup == {"backup": str(tmp_path / "backup.jsonl"), "ok": True,
                      "events": len(events), "synced_records": 0}
    with harness_for(boot.db).maintenance() as original:
        checksum = original.checksum()
    assert restored == {"restored": str(tmp_path / "backup.jsonl"), "ok": True,
                        "events": len(events), "synced_records": 0, "checksum": checksum}
    assert _ok(run(copy.db, "events")).lines == events, "the same events, hashes and all"
    again = run(boot.db, "backup", "--to", str(tmp_path / "backup.jsonl"))
    assert again.returncode == 1 and "exists" in again.stderr
    into_a_used_one = run(copy.db, "restore", "--from", str(tmp_path / "backup.jsonl"))
    assert into_a_used_one.returncode == 1 and into_a_used_one.stdout == ""
    assert "Traceback" not in into_a_used_one.stderr
    assert _ok(run(copy.db, "events")).lines == events, "a refused restore adds nothing"


def test_a_backup_restores_into_the_other_backend(boot, tmp_path):
    export = str(tmp_path / "backup.jsonl")
    _ok(run(boot.db, "backup", "--to", export))
    other = next(name for name in HARNESSES if name != harness_for(boot.db).name)
    target = HARNESSES[other](str(tmp_path))
    restored = _ok(run(target.db, "restore", "--from", export)).json
    assert restored["ok"] is True
    assert _ok(run(target.db, "events")).lines == _ok(run(boot.db, "events")).lines
    with harness_for(boot.db).maintenance() as original:
        assert restored["checksum"] == original.checksum()


def test_a_cut_off_or_altered_backup_is_refused_and_restores_nothing(boot, tmp_path):
    export = tmp_path / "backup.jsonl"
    _ok(run(boot.db, "backup", "--to", str(export)))
    lines = export.read_text().splitlines()
    cut, altered = tmp_path / "cut.jsonl", tmp_path / "altered.jsonl"
    cut.write_text("\n".join(lines[:-1]) + "\n")
    altered.write_text(export.read_text().replace("Globex", "Evil Corp"))
    name = harness_for(boot.db).name
    for n, (source, message) in enumerate([
            (cut, "is cut off"),
            (altered, f"the hash chain breaks at event {OTHER_ORG_CREATED}")]):
        directory = tmp_path / f"target-{n}"
        directory.mkdir()
        target = HARNESSES[name](str(directory))
        result = run(target.db, "restore", "--from", str(source))
        assert result.returncode == 1, result.stderr
        assert message in result.stderr and result.stdout == "", result.stderr
        assert run(target.db, "events").stdout == "", "nothing was restored"


# --- exit codes, usage and help ----------------------------------------------------------

USAGE_ERRORS = [
    ["no-such-command"],
    ["replay"],                          # --until is required
    ["events", "--after", "ten"],        # not an integer
    ["serve", "--port", "http"],
    ["org", "create", "--slug", "x"],    # --name is required
]


def test_usage_errors_exit_2_and_nothing_else_does(boot):
    for result in run_side_by_side(boot.db, USAGE_ERRORS):
        assert result.returncode == 2, (result.args, result.stderr)
        assert result.stdout == ""
        assert "usage: custom-fields" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


HELP = [["--help"], ["serve", "--help"], ["events", "--help"], ["connector", "create", "--help"],
        ["replay", "--help"], ["backup", "--help"]]


def test_help_says_the_exit_codes_and_the_defaults_and_names_no_outside_document(boot):
    helps = {" ".join(r.args): r for r in run_side_by_side(boot.db, HELP)}
    for text, result in helps.items():
        assert result.returncode == 0, (text, result.stderr)
        out = result.stdout
        assert "exit status:" in out, text
        assert "0  ok" in out and "1  failed or bad input" in out and "2  usage" in out, text
        assert "DESIGN" not in out, text
        for document in (word.strip("().,") for word in out.split() if ".md" in word):
            assert os.path.exists(os.path.join(ROOT, document)), (text, document)
    assert "(default: $CUSTOM_FIELDS_DB, else var/custom-fields.db)" in " ".join(
        helps["--help"].stdout.split())
    serve = " ".join(helps["serve --help"].stdout.split())
    assert "else 127.0.0.1)" in serve and "else 8080)" in serve
    assert "(default: 0)" in helps["events --help"].stdout


# --- the database must exist for commands that only read or maintain it ------------------

MAINTENANCE = [["verify"], ["events"], ["replay", "--until", "1"], ["rebuild"],
               ["backup", "--to", "BACKUP"]]


def test_maintenance_on_a_database_that_does_not_exist_fails_and_creates_nothing(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "custom-fields.db"
    backup = tmp_path / "backup.db"
    commands = [[str(backup) if a == "BACKUP" else a for a in args] for args in MAINTENANCE]
    for result in run_side_by_side(str(missing), commands):
        assert result.returncode == 1, (result.args, result.stderr)
        assert result.stdout == "", result.args
        assert result.stderr == f"custom-fields: no database at {missing} (give --db PATH " \
                                "or URL, or set CUSTOM_FIELDS_DB)\n", (result.args, result.stderr)
    assert not (tmp_path / "no").exists()
    assert not backup.exists()
    misspelled = tmp_path / "custom-feilds.db"
    assert run(str(misspelled), "verify").returncode == 1
    assert list(tmp_path.iterdir()) == []


def test_write_commands_create_the_database_on_first_use(tmp_path):
    db = tmp_path / "new" / "dir" / "custom-fields.db"
    _ok(run(str(db), "org", "create", "--slug", "first", "--name", "First"))
    assert db.exists()
    assert _ok(run(str(db), "verify")).json["ok"] is True


def test_maintenance_on_an_empty_postgresql_schema_fails_and_creates_nothing():
    url = HARNESSES["postgresql"]("unused").db
    for result in run_side_by_side(url, [args for args in MAINTENANCE if "BACKUP" not in args]):
        assert result.returncode == 1, (result.args, result.stderr)
        assert result.stderr.startswith("custom-fields: no database at PostgreSQL postgres@")
        assert "--db PATH or URL" in result.stderr
    assert harness_for(url).dump_text() == "", "no table was created"


def test_an_unreachable_postgresql_server_is_one_line_without_the_password():
    url = f"postgresql://someone:s3cret@127.0.0.1:{free_port()}/nowhere"
    for result in run_side_by_side(url, [["verify"], ["org", "create", "--slug", "x",
                                                      "--name", "X"]]):
        assert result.returncode == 1, (result.args, result.stderr)
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


# --- settings from the environment -------------------------------------------------------

BAD_SETTINGS = {
    "CUSTOM_FIELDS_MAX_PAGE_SIZE": (
        "lots", "CUSTOM_FIELDS_MAX_PAGE_SIZE must be an integer, not 'lots'"),
    "CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND": (
        "fast", "CUSTOM_FIELDS_RATE_LIMIT_PER_SECOND must be a number, not 'fast'"),
    "CUSTOM_FIELDS_ACCESS_LOG": (
        "maybe", "CUSTOM_FIELDS_ACCESS_LOG must be true or false (1/0, yes/no), not 'maybe'"),
    "CUSTOM_FIELDS_LOG_LEVEL": (
        "chatty", "CUSTOM_FIELDS_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, "
                  "CRITICAL, not 'chatty'"),
    "CUSTOM_FIELDS_SYNCHRONOUS": (
        "sometimes", "CUSTOM_FIELDS_SYNCHRONOUS must be one of OFF, NORMAL, FULL, EXTRA, "
                     "not 'sometimes'"),
}


def test_a_bad_setting_is_one_line_naming_the_variable_and_exit_1(boot):
    processes = {variable: _spawn(boot.db, ["events"], env={variable: value})
                 for variable, (value, _) in BAD_SETTINGS.items()}
    for variable, process in processes.items():
        result = _collect(process, ["events", variable])
        assert result.returncode == 1, (variable, result.stderr)
        assert result.stdout == ""
        assert result.stderr == f"custom-fields: {BAD_SETTINGS[variable][1]}\n"
