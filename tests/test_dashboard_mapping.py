"""The mapping editor (/dashboard/fields/{id}/map), in a real browser against a real
server: the raw data as a tree whose nodes write their JMESPath and preview it by
themselves, errors shown inline as you type, the switch from `[0]` to a filter, the
coverage over the connector's most recent synced rows (found, non-null, the type check:
the coverage endpoint's counts), saving for the integration and for the
connector (read back through the v1 configuration), any model, another organization's
field as a 404, and a new user's first mapping in under a minute."""

import re
import time
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser import screenshot, sign_in

# The upstream rows synced into the demo Workday connector (bare records); the last one
# is the connector's latest, the raw document of its editor.
ROWS = [
    {"remote_id": "w-1", "data": {"id": "w-1", "years": 3}},
    {"remote_id": "w-2", "data": {"id": "w-2", "years": "7"}},
    {"remote_id": "w-3", "data": {"id": "w-3", "years": "many"}},
    {"remote_id": "w-4", "data": {"id": "w-4"}},
    {"remote_id": "w-5", "data": {
        "id": "w-5", "first-name": "Ada", "years": 12,
        "phoneNumbers": [{"formattedPhone": "+1 555 0100", "type": "mobile", "primary": True}],
        "emails": [{"address": "ada@work.example", "type": "work"},
                   {"address": "ada@home.example", "type": "home"}]}},
]


@pytest.fixture(scope="module")
def synced(demo):
    demo.ok("POST", f"/api/v1/connectors/{demo.connector_token}/sync",
            {"category": "HRIS", "model": "employee", "records": ROWS})
    return demo


def new_field(demo, name: str, type_: str = "text", category: str = "HRIS",
              model: str = "employee", key: str | None = None) -> str:
    body = {"name": name, "category": category, "model": model, "type": type_}
    return demo.ok("POST", "/api/v1/custom-fields", body, key=key)["id"]


def open_editor(page, demo, field_id: str) -> None:
    page.goto(f"{demo.base}/dashboard/fields/{field_id}/map")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Map")


def effective(demo, field_id: str) -> dict:
    query = urlencode({"connector_token": demo.connector_token, "category": "HRIS",
                       "model": "employee"})
    body = demo.ok("GET", f"/api/v1/custom-fields/configuration?{query}")
    [entry] = [f for f in body["fields"] if f["custom_field_id"] == field_id]
    return entry


def test_clicking_a_node_writes_its_path_and_previews_it(page, synced):
    field_id = new_field(synced, "mobile_phone")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    raw = page.get_by_role("region", name="Raw data")
    expect(raw).to_contain_text("The latest row synced by Demo Workday")
    expect(page.get_by_label("Connector")).to_have_value(re.compile("^connector:"))
    # the type and an example stand beside the button, not inside it
    node = raw.get_by_role("button", name="formattedPhone", exact=True)
    expect(node).to_have_text("formattedPhone")
    expect(node.locator("xpath=following-sibling::*[1]")).to_have_text("string")
    expect(node.locator("xpath=following-sibling::*[2]")).to_have_text('"+1 555 0100"')
    node.click()
    expect(page.get_by_label("JMESPath")).to_have_value(
        "data.employee.phoneNumbers[0].formattedPhone")
    preview = page.get_by_role("region", name="Preview")
    expect(preview).to_contain_text('"+1 555 0100"')
    expect(preview).to_contain_text("string")
    expect(preview).to_contain_text("passes")
    screenshot(page, "mapping-editor")
    # a key that is not an identifier is quoted; an element is named by its index
    raw.get_by_role("button", name="first-name", exact=True).click()
    expect(page.get_by_label("JMESPath")).to_have_value('data.employee."first-name"')
    expect(preview).to_contain_text('"Ada"')
    raw.get_by_role("button", name="[1]", exact=True).click()
    expect(page.get_by_label("JMESPath")).to_have_value("data.employee.emails[1]")
    expect(preview).to_contain_text("object")
    # a node folds away (and back)
    fold = raw.get_by_role("button", name="Contents").nth(0)
    expect(fold).to_have_attribute("aria-expanded", "true")
    fold.click()
    expect(fold).to_have_attribute("aria-expanded", "false")
    expect(raw.get_by_role("button", name="formattedPhone", exact=True)).to_be_hidden()
    fold.click()
    expect(raw.get_by_role("button", name="formattedPhone", exact=True)).to_be_visible()


def test_errors_show_inline_as_you_type(page, synced):
    field_id = new_field(synced, "typed_years", "number")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    box, preview = page.get_by_label("JMESPath"), page.get_by_role("region", name="Preview")
    box.press_sequentially("data.employee.years", delay=20)
    expect(preview).to_contain_text("12")
    expect(preview).to_contain_text("number")
    box.fill("data..employee")
    expect(preview).to_contain_text("INVALID_JSON_PATH")
    expect(preview).to_contain_text("column")  # the detail names the position
    expect(page.locator("#messages")).to_be_empty()  # inline, not an error page
    screenshot(page, "mapping-error")
    box.fill("nope(data)")
    expect(preview).to_contain_text("UNKNOWN_FUNCTION")
    box.fill("length(data.employee.id, data)")
    expect(preview).to_contain_text("INVALID_ARITY")
    box.fill("abs(data.employee.id)")
    expect(preview).to_contain_text("EXPRESSION_TYPE_ERROR")
    # a value that does not pass the field's type says so
    box.fill("data.employee.emails[0].address")
    expect(preview).to_contain_text("TYPE_MISMATCH")
    # Enter previews and saves nothing
    box.fill("data.employee.id")
    box.press("Enter")
    expect(preview).to_contain_text("TYPE_MISMATCH")
    assert effective(synced, field_id)["json_path"] is None


def test_the_filter_switch_turns_an_index_into_a_filter(page, synced):
    field_id = new_field(synced, "filtered_phone")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    raw, box = page.get_by_role("region", name="Raw data"), page.get_by_label("JMESPath")
    preview = page.get_by_role("region", name="Preview")
    switch = page.get_by_role("button", name="Filter instead of [0]")
    expect(switch).to_be_hidden()
    raw.get_by_role("button", name="formattedPhone", exact=True).click()
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()  # a boolean key of the element
    expect(box).to_have_value("data.employee.phoneNumbers[?primary].formattedPhone | [0]")
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(preview).to_contain_text('"+1 555 0100"')
    switch.click()
    expect(box).to_have_value("data.employee.phoneNumbers[0].formattedPhone")
    # without a boolean key, a key with its value
    raw.get_by_role("button", name="address", exact=True).nth(1).click()
    expect(box).to_have_value("data.employee.emails[1].address")
    switch.click()
    expect(box).to_have_value("data.employee.emails[?type=='home'].address | [0]")
    expect(preview).to_contain_text('"ada@home.example"')
    # outside an array of objects there is nothing to switch
    raw.get_by_role("button", name="years", exact=True).click()
    expect(switch).to_be_hidden()


def test_the_coverage_line_counts_the_synced_rows_found_and_passing(page, synced):
    field_id = new_field(synced, "covered_years", "number")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    preview = page.get_by_role("region", name="Preview")
    page.get_by_role("region", name="Raw data").get_by_role(
        "button", name="years", exact=True).click()
    # 3, "7" and 12 pass; "many" is no number and w-4 has none
    expect(preview).to_contain_text("3 of the 5 most recent synced rows of Demo Workday "
                                    "give a value that passes the number type")
    # the counts of the coverage endpoint: found, non-null, the type check, what fails
    counts = preview.get_by_role("list", name="Coverage")
    expect(counts.get_by_role("listitem")).to_have_text([
        "Found in 4 of 5", "Non-null in 4 of 5", "Type check: 3 pass, 1 fail (TYPE_MISMATCH: 1)",
        "Failing rows, most recent first: w-4, w-3"])
    expect(preview.locator(".preview-found")).to_have_text("yes")  # w-5, the latest row
    page.get_by_label("JMESPath").fill("data.employee.id")
    expect(preview).to_contain_text("0 of the 5 most recent synced rows")
    expect(counts).to_contain_text("Type check: 0 pass, 5 fail (TYPE_MISMATCH: 5)")
    page.get_by_label("JMESPath").fill("data.employee.boss")
    expect(preview.locator(".preview-found")).to_have_text("no: not in this row")
    expect(counts).to_contain_text("Found in 0 of 5")
    # a sample has no synced rows, and no connector to save for
    page.get_by_label("Connector").select_option(label="Workday sample")
    expect(page.get_by_role("region", name="Raw data")).to_contain_text("Workday sample")
    expect(preview).to_contain_text("pick a connector")
    expect(page.get_by_role("button", name="Save for connector")).to_be_disabled()
    assert "source=sample%3Aworkday" in page.url


def test_saving_for_the_integration_then_for_the_connector(page, synced):
    field_id = new_field(synced, "saved_name")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    box, winners = page.get_by_label("JMESPath"), page.get_by_role(
        "region", name="Effective mappings")
    expect(box).to_have_value("")
    page.get_by_role("region", name="Raw data").get_by_role(
        "button", name="first-name", exact=True).click()

    def save(button: str, said: str, wins: str, json_path: str, source: str) -> None:
        page.get_by_role("button", name=button).click()
        expect(winners.get_by_role("status")).to_contain_text(said)
        expect(winners.get_by_role("row", name="Demo Workday")).to_contain_text(wins)
        entry = effective(synced, field_id)
        assert (entry["json_path"], entry["source"]) == (json_path, source)

    save("Save for integration",
         'Mapping created for the Workday integration: data.employee."first-name"',
         "integration mapping", 'data.employee."first-name"', "organization")
    box.fill("data.employee.id")
    save("Save for connector", "Mapping created for the connector Demo Workday: data.employee.id",
         "connector override", "data.employee.id", "connector")
    screenshot(page, "mapping-saved")
    # saving again updates the same mapping; a refused expression saves nothing
    box.fill("data.employee.years")
    page.get_by_role("button", name="Save for connector").click()
    expect(winners.get_by_role("status")).to_contain_text("Mapping updated for the connector")
    box.fill("data.[")
    page.get_by_role("button", name="Save for integration").click()
    expect(page.locator("#messages")).to_contain_text("invalid JMESPath")
    # without htmx, the form posts and comes back to the editor with the confirmation
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    posted = page.request.post(f"{synced.base}/dashboard/fields/{field_id}/map", form={
        "csrf_token": token, "source": page.get_by_label("Connector").input_value(),
        "json_path": "data.employee.id", "scope": "integration"}, max_redirects=0)
    assert posted.status == 303 and "saved=integration" in posted.headers["location"]
    page.goto(synced.base + posted.headers["location"])
    expect(page.get_by_role("status").filter(has_text="Mapping saved")).to_have_text(
        "Mapping saved for the Workday integration: data.employee.id")
    # the editor opens on the connector's effective expression, the sample on the
    # integration's mapping
    open_editor(page, synced, field_id)
    expect(box).to_have_value("data.employee.years")
    expect(page.locator("#current-mapping")).to_contain_text("connector override")
    # another source keeps the expression being edited, and offers its own mapping
    page.get_by_label("Connector").select_option(label="Workday sample")
    expect(page.get_by_role("region", name="Raw data")).to_contain_text("Workday sample")
    expect(box).to_have_value("data.employee.years")
    page.get_by_role("button", name="Use the saved expression").click()
    expect(box).to_have_value("data.employee.id")
    expect(page.get_by_role("region", name="Preview")).to_contain_text(
        '"d90e82bc715e4403a8f06bb0b684100d"')  # the sample's
    mappings = synced.ok("GET", f"/api/v1/custom-fields/{field_id}")["mappings"]
    assert sorted(m["json_path"] for m in mappings) == ["data.employee.id",
                                                        "data.employee.years"]


def test_a_field_of_another_model(page, synced):
    field_id = new_field(synced, "candidate_source", category="ATS", model="candidate")
    sign_in(page, synced)
    open_editor(page, synced, field_id)
    labels = page.get_by_label("Connector").locator("option").all_inner_texts()
    assert "Greenhouse sample" in labels and not any("Demo Workday" in t for t in labels)
    raw = page.get_by_role("region", name="Raw data")
    raw.get_by_role("button", name="candidate", exact=True).click()
    expect(page.get_by_label("JMESPath")).to_have_value("data.candidate")
    expect(page.get_by_role("region", name="Preview")).to_contain_text("object")
    expect(page.get_by_role("button", name="Save for connector")).to_be_disabled()


def test_another_organizations_field_is_not_found(page, synced):
    synced.cli("org", "create", "--slug", "mapping-other", "--name", "Other")
    synced.cli("integration", "enable", "--org", "mapping-other", "workday")
    other_key = synced.cli("key", "create", "--org", "mapping-other")["key"]
    theirs = new_field(synced, "their_field", key=other_key)
    page.goto(f"{synced.base}/dashboard/fields/{theirs}/map")
    expect(page).to_have_url(f"{synced.base}/dashboard/login")  # no session: sign in
    sign_in(page, synced)
    answer = page.goto(f"{synced.base}/dashboard/fields/{theirs}/map")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.I))
    query = urlencode({"source": "sample:workday", "json_path": "data"})
    assert page.request.get(
        f"{synced.base}/dashboard/fields/{theirs}/map/preview?{query}").status == 404
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = page.request.post(f"{synced.base}/dashboard/fields/{theirs}/map", form={
        "csrf_token": token, "source": "sample:workday", "json_path": "data", "scope":
        "integration"})
    assert refused.status == 404
    assert synced.ok("GET", f"/api/v1/custom-fields/{theirs}", key=other_key)["mappings"] == []


def test_a_new_user_maps_a_field_in_under_a_minute(page, demo):
    started = time.monotonic()
    sign_in(page, demo)  # with the key `serve --demo` printed
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fields").click()
    page.get_by_role("button", name="New field").click()
    page.get_by_label("Name").fill("first_phone")
    page.get_by_label("Description").fill("The worker's first phone number")
    page.get_by_label("Type").select_option("text")
    page.get_by_role("button", name="Create field").click()
    row = page.get_by_role("table").get_by_role("row").filter(has_text="first_phone")
    row.get_by_role("link", name="Map").click()
    page.get_by_label("Connector").select_option(label="Workday sample")
    page.get_by_role("region", name="Raw data").get_by_role(
        "button", name="formattedPhone", exact=True).click()
    expect(page.get_by_role("region", name="Preview")).to_contain_text('"+1 (312) 555-0148"')
    page.get_by_role("button", name="Save for integration").click()
    expect(page.get_by_role("region", name="Effective mappings").get_by_role(
        "status")).to_contain_text("Mapping created for the Workday integration")
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    field_id = page.url.split("/fields/")[1].split("/")[0]
    entry = effective(demo, field_id)
    assert (entry["json_path"], entry["source"]) == (
        "data.employee.phoneNumbers[0].formattedPhone", "organization")
