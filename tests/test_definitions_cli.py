"""Definitions as code on the command line: `custom-fields export` prints what the API
exports, `custom-fields import` applies a file (or standard input) and prints the plan
the API answers; bad input is one line on stderr and exit 1, with nothing written."""

import io
import json

import pytest

from service import cli
from tests.test_definitions_as_code import doc, employee_field


@pytest.fixture
def run(backend, capsys):
    """`run(*args)`: the CLI on the test's database, in this process: (exit, out, err)."""
    def call(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("sys.stdin", io.StringIO(stdin))
                code = cli.main(["--db", backend.db, *args])
        else:
            code = cli.main(["--db", backend.db, *args])
        out, err = capsys.readouterr()
        return code, out, err
    return call


@pytest.fixture
def ok(run):
    def call(*args: str, **options) -> dict:
        code, out, err = run(*args, **options)
        assert code == 0, err
        assert out.count("\n") == 1, "one JSON document per command"
        return json.loads(out)
    return call


def organization(ok, slug: str, *integrations: str) -> None:
    ok("org", "create", "--slug", slug, "--name", slug.title())
    ok("integration", "enable", "--org", slug, *integrations)


DOCUMENT = doc(employee_field("size", type="multiselect", options=[
                   {"value": "S"}, {"value": "M", "color": "#00aa00"}]),
               employee_field("badge", mappings=[
                   {"integration_slug": "workday", "json_path": "badge.code"}]))


def test_import_prints_the_plan_dry_run_writes_nothing_and_export_prints_the_document(
        ok, run, tmp_path):
    organization(ok, "acme", "workday", "hibob")
    organization(ok, "copy", "workday", "hibob")
    source = tmp_path / "definitions.json"
    source.write_text(json.dumps(DOCUMENT))
    planned = ok("import", "--org", "acme", str(source), "--dry-run")
    assert planned["dry_run"] is True and len(planned["create"]) == 5
    assert ok("export", "--org", "acme")["fields"] == []

    applied = ok("import", "--org", "acme", str(source))
    assert applied == {**planned, "dry_run": False}
    exported = ok("export", "--org", "acme")
    assert [f["name"] for f in exported["fields"]] == ["badge", "size"]
    assert exported["fields"][1]["options"][1] == {"value": "M", "color": "#00AA00"}
    assert ok("export", "--org", "acme", "--category", "HRIS", "--model", "employee")[
        "scope"] == {"category": "HRIS", "model": "employee"}

    ok("import", "--org", "copy", "-", stdin=json.dumps(exported))
    assert ok("export", "--org", "copy") == exported
    pruned = ok("import", "--org", "copy", "-", "--prune", stdin=json.dumps(doc()))
    assert [e["field"] for e in pruned["delete"]] == ["badge", "size"]
    assert ok("export", "--org", "copy")["fields"] == []

    code, out, _ = run("events", "--org", "acme")
    assert code == 0
    written = [json.loads(line) for line in out.splitlines()
               if json.loads(line)["type"] in ("FieldCreated", "OptionAdded", "MappingCreated")]
    assert len(written) == 5 and {e["metadata"]["source"] for e in written} == {"CLI"}


def test_bad_input_is_one_line_on_stderr_exit_1_and_nothing_written(ok, run, tmp_path):
    organization(ok, "acme", "workday")
    source = tmp_path / "definitions.json"

    def refused(*args: str, stdin: str | None = None) -> str:
        code, out, err = run(*args, stdin=stdin)
        assert (code, out) == (1, ""), (args, err)
        assert err.startswith("custom-fields: ") and err.count("\n") == 1, err
        return err

    assert refused("export", "--org", "nope") == "custom-fields: no organization with slug 'nope'\n"
    assert "unknown category 'ERP'" in refused("export", "--org", "acme", "--category", "ERP")
    source.write_text(json.dumps(DOCUMENT))
    assert "no organization with slug 'nope'" in refused("import", "--org", "nope", str(source))
    assert "No such file" in refused("import", "--org", "acme", str(tmp_path / "missing.json"))
    assert "standard input is not a JSON document" in refused(
        "import", "--org", "acme", "-", stdin="{not json")
    assert "not a definitions document (a JSON object)" in refused(
        "import", "--org", "acme", "-", stdin="[]")
    invalid = refused("import", "--org", "acme", "-", stdin=json.dumps(
        doc(employee_field("Not Snake"))))
    assert 'is not a valid definitions document: {"fields": {"0": {"name": [' in invalid
    events_before = run("events", "--org", "acme")[1]
    source.write_text(json.dumps(doc(employee_field("badge", mappings=[
        {"integration_slug": "hibob", "json_path": "a"}]))))
    err = refused("import", "--org", "acme", str(source), "--dry-run")
    assert err.startswith("custom-fields: 1 of 2 changes refused; nothing was written: ")
    assert json.loads(err.split("written: ", 1)[1])["fields.0.mappings.0"]["code"] == (
        "INTEGRATION_NOT_ENABLED")
    assert run("events", "--org", "acme")[1] == events_before


def test_export_and_import_need_an_existing_database(tmp_path, capsys):
    missing = tmp_path / "no" / "custom-fields.db"
    for args in (["export", "--org", "acme"], ["import", "--org", "acme", "-"]):
        assert cli.main(["--db", str(missing), *args]) == 1
        assert capsys.readouterr().err == (f"custom-fields: no database at {missing} (give "
                                           "--db PATH or URL, or set CUSTOM_FIELDS_DB)\n")
    assert not (tmp_path / "no").exists()
