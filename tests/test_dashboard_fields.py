"""The fields pages of the dashboard, in a real browser against a real server: a model's
fields (made through the API or the dashboard, with their source and whether each
connector has a mapping for them), creating a field and its refusals, a field's page
(edit, options: add, rename, recolour, move, delete), deleting a field with the count of
what goes with it, the field's history (kept after the delete), and another
organization's field pages as 404s.

Every change made in the browser is checked through the v1 API. The demo organization
is shared by the module's tests, so each test uses field names of its own."""

import re

from playwright.sync_api import expect

from tests.browser import screenshot, sign_in

EMPLOYEE = "/dashboard/fields?category=HRIS&model=employee"


def new_field(demo, name: str, **extra) -> str:
    return demo.ok("POST", "/api/v1/custom-fields",
                   {"name": name, "category": "HRIS", "model": "employee", **extra})["id"]


def field_of(demo, field_id: str) -> dict:
    return demo.ok("GET", f"/api/v1/custom-fields/{field_id}")


def row_of(page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def option_item(page, value: str):
    return (page.get_by_role("region", name="Options").get_by_role("listitem")
            .filter(has=page.locator(".option-name", has_text=re.compile(f"^{value}$"))))


def test_the_fields_page_lists_a_field_made_through_the_api(page, demo):
    mapped = new_field(demo, "api_mapped", description="made through the API", type="multiselect",
                       options=[{"value": "Blue", "color": "#1E88E5"}, {"value": "Plain"}])
    unmapped = new_field(demo, "api_unmapped", type="number",
                         number_format={"format": "USD", "decimal": 2})
    demo.ok("POST", "/api/v1/custom-fields/mapping", {
        "custom_field_id": mapped, "integration_slug": "workday", "json_path": "data.employee.id"})
    sign_in(page, demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Fields").click()
    expect(page).to_have_url(demo.base + EMPLOYEE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Fields of HRIS / Employee")
    row = row_of(page, "api_mapped")
    expect(row.get_by_role("cell").nth(0)).to_have_text("multiselect")
    expect(row).to_contain_text("API")
    expect(row).to_contain_text("made through the API")
    expect(row.locator(".swatch")).to_have_count(1)
    expect(row.locator(".swatch")).to_have_attribute("style", "background: #1E88E5")
    expect(row).to_contain_text("mapped (integration's) data.employee.id")
    expect(row_of(page, "api_unmapped")).to_contain_text("unmapped")
    expect(row_of(page, "api_unmapped")).to_contain_text("USD, 2 decimals")
    expect(page.get_by_role("columnheader", name="Mapped for Demo Workday")).to_be_visible()
    expect(row.get_by_role("link", name="Map", exact=True)).to_have_attribute(
        "href", f"/dashboard/fields/{mapped}/map")
    expect(row.get_by_role("link", name="History", exact=True)).to_have_attribute(
        "href", f"/dashboard/fields/{mapped}/history")
    expect(row.get_by_role("link", name="api_mapped")).to_have_attribute(
        "href", f"/dashboard/fields/{mapped}")
    screenshot(page, "fields")
    # another model, from the model switch: its own (empty) table
    page.get_by_role("navigation", name="Models").get_by_role("link", name="Department").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fields of HRIS / Department")
    expect(row_of(page, "api_mapped")).to_have_count(0)
    assert unmapped


def test_creating_a_field_in_the_dashboard(page, demo):
    sign_in(page, demo)
    page.goto(demo.base + EMPLOYEE)
    page.get_by_role("button", name="New field").click()
    page.get_by_label("Name").fill("dash_made")
    page.get_by_label("Description").fill("made in the dashboard")
    expect(page.get_by_label("Options")).to_be_hidden()  # only for multiselect
    page.get_by_label("Type").select_option("multiselect")
    page.get_by_label("Options").fill("Remote #1e88e5\nOffice")
    page.get_by_role("button", name="Create field").click()
    expect(page.get_by_role("status")).to_contain_text("Created the field dash_made")
    row = row_of(page, "dash_made")
    expect(row).to_contain_text("DASHBOARD")
    expect(row.locator(".swatch")).to_have_attribute("style", "background: #1E88E5")
    expect(page.get_by_role("button", name="New field")).to_be_focused()
    field_id = row.get_by_role("link", name="dash_made").get_attribute("href").rsplit("/", 1)[1]
    answer = field_of(demo, field_id)
    assert answer["source"] == "DASHBOARD" and answer["type"] == "multiselect"
    assert answer["description"] == "made in the dashboard"
    assert [(o["value"], o["color"]) for o in answer["options"]] == [
        ("Remote", "#1E88E5"), ("Office", None)]
    # a number field with its number format (shown only for number)
    page.get_by_role("button", name="New field").click()
    page.get_by_label("Name").fill("dash_amount")
    expect(page.get_by_label("Number format")).to_be_hidden()
    page.get_by_label("Type").select_option("number")
    page.get_by_label("Number format").select_option("EUR")
    page.get_by_label("Decimals").fill("2")
    page.get_by_role("button", name="Create field").click()
    expect(row_of(page, "dash_amount")).to_contain_text("EUR, 2 decimals")
    listed = demo.ok("GET", "/api/v1/custom-fields?category=HRIS&model=employee&source=DASHBOARD")
    [made] = [f for f in listed["custom_fields"] if f["name"] == "dash_amount"]
    assert made["number_format"] == {"format": "EUR", "decimal": 2}


def test_refused_names_show_their_reason(page, demo):
    new_field(demo, "taken_name")
    sign_in(page, demo)
    page.goto(demo.base + EMPLOYEE)
    page.get_by_role("button", name="New field").click()
    page.get_by_label("Name").fill("Not Snake")
    page.get_by_role("button", name="Create field").click()
    expect(page.get_by_role("alert")).to_contain_text("name must be snake_case")
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name")).to_have_value("Not Snake")  # kept for correcting
    screenshot(page, "fields-new-refused")
    page.get_by_label("Name").fill("taken_name")
    page.get_by_role("button", name="Create field").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "a field named 'taken_name' already exists on HRIS/employee")
    expect(row_of(page, "taken_name")).to_have_count(1)
    # without htmx, the same refusal is the page with its status
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(demo.base + "/dashboard/fields", form={
        "csrf_token": token, "category": "HRIS", "model": "employee", "name": "Bad Name",
        "type": "text"})
    assert answer.status == 422 and "name must be snake_case" in answer.text()


def test_an_unknown_model_is_a_422_page_naming_the_choices(page, demo):
    sign_in(page, demo)
    answer = page.goto(demo.base + "/dashboard/fields?category=HRIS&model=nobody")
    assert answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("one of employee, department")
    answer = page.goto(demo.base + "/dashboard/fields?category=NOPE&model=employee")
    assert answer.status == 422
    expect(page.get_by_role("alert")).to_contain_text("one of HRIS, ATS, CRM")


def test_editing_a_field_on_its_page(page, demo):
    field_id = new_field(demo, "edit_me", description="before", type="number",
                         number_format={"format": "USD", "decimal": 0})
    sign_in(page, demo)
    page.goto(demo.base + EMPLOYEE)
    row_of(page, "edit_me").get_by_role("link", name="edit_me").click()
    expect(page).to_have_url(demo.base + f"/dashboard/fields/{field_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("edit_me")
    expect(page.get_by_role("link", name="Map", exact=True)).to_have_attribute(
        "href", f"/dashboard/fields/{field_id}/map")
    expect(page.get_by_role("link", name="History", exact=True)).to_have_attribute(
        "href", f"/dashboard/fields/{field_id}/history")
    # only safe type changes are offered
    expect(page.get_by_label("Type").locator("option")).to_have_text(["number", "text"])
    page.get_by_label("Description").fill("after")
    page.get_by_label("Decimals").fill("3")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the field edit_me")
    expect(page.locator(".fields-facts")).to_contain_text("after")
    answer = field_of(demo, field_id)
    assert answer["description"] == "after"
    assert answer["number_format"] == {"format": "USD", "decimal": 3}
    screenshot(page, "field")
    # a refusal is shown beside the form, and nothing changes
    page.get_by_label("Name").fill("Edit Me")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("name must be snake_case")
    assert field_of(demo, field_id)["name"] == "edit_me"
    # a change made meanwhile elsewhere is not overwritten unseen
    page.reload()
    demo.ok("PATCH", f"/api/v1/custom-fields/{field_id}", {"description": "from the API"})
    page.get_by_label("Description").fill("stale")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("has changed since the page was loaded")
    assert field_of(demo, field_id)["description"] == "from the API"


def test_the_options_of_a_multiselect(page, demo):
    field_id = new_field(demo, "opt_field", type="multiselect",
                         options=[{"value": "Alpha", "color": "#FF0000"}, {"value": "Beta"}])

    def options():
        return [(o["value"], o["color"]) for o in field_of(demo, field_id)["options"]]

    sign_in(page, demo)
    page.goto(demo.base + f"/dashboard/fields/{field_id}")
    region = page.get_by_role("region", name="Options")
    expect(region.get_by_role("listitem")).to_have_count(2)
    adding = region.get_by_role("group", name="Add an option")
    adding.get_by_label("Value").fill("Gamma")
    adding.get_by_label("Colour").fill("#00aa00")
    adding.get_by_role("button", name="Add option").click()
    expect(option_item(page, "Gamma").locator(".swatch")).to_have_attribute(
        "style", "background: #00AA00")
    assert options() == [("Alpha", "#FF0000"), ("Beta", None), ("Gamma", "#00AA00")]
    screenshot(page, "field-options")
    # rename and recolour
    gamma = option_item(page, "Gamma")
    gamma.get_by_label("Value").fill("Delta")
    gamma.get_by_role("button", name="Save").click()
    expect(option_item(page, "Delta")).to_have_count(1)
    assert options()[2] == ("Delta", "#00AA00")
    delta = option_item(page, "Delta")
    delta.get_by_label("Colour").fill("#0000FF")
    delta.get_by_role("button", name="Save").click()
    expect(option_item(page, "Delta").locator(".swatch")).to_have_attribute(
        "style", "background: #0000FF")
    assert options()[2] == ("Delta", "#0000FF")
    # move up with the keyboard: the button keeps the focus
    option_item(page, "Delta").get_by_role("button", name="Move up").focus()
    page.keyboard.press("Enter")
    expect(region.get_by_role("listitem").nth(1)).to_contain_text("Delta")
    assert [v for v, _ in options()] == ["Alpha", "Delta", "Beta"]
    expect(option_item(page, "Delta").get_by_role("button", name="Move up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(region.get_by_role("listitem").first).to_contain_text("Delta")
    assert [v for v, _ in options()] == ["Delta", "Alpha", "Beta"]
    option_item(page, "Alpha").get_by_role("button", name="Move down").click()
    expect(region.get_by_role("listitem").last).to_contain_text("Alpha")
    assert [v for v, _ in options()] == ["Delta", "Beta", "Alpha"]
    # a refused colour says why, and changes nothing
    beta = option_item(page, "Beta")
    beta.get_by_label("Colour").fill("blue")
    beta.get_by_role("button", name="Save").click()
    expect(region.get_by_role("alert")).to_contain_text("a color is a hex RGB value")
    assert options()[1] == ("Beta", None)
    # delete
    option_item(page, "Beta").get_by_role("button", name="Delete").click()
    expect(region.get_by_role("listitem")).to_have_count(2)
    assert options() == [("Delta", "#0000FF"), ("Alpha", "#FF0000")]
    expect(page.get_by_role("status")).to_contain_text("Removed the option Beta")
    # the field's edit form still holds (its If-Match followed every option change)
    page.get_by_label("Description", exact=True).fill("with options")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the field opt_field")
    assert field_of(demo, field_id)["description"] == "with options"


def test_deleting_a_field_says_what_goes_with_it(page, demo):
    field_id = new_field(demo, "doomed", type="multiselect",
                         options=[{"value": "One"}, {"value": "Two"}, {"value": "Three"}])
    for scope in ({"integration_slug": "workday"}, {"connector_token": demo.connector_token}):
        demo.ok("POST", "/api/v1/custom-fields/mapping",
                {"custom_field_id": field_id, "json_path": "data.employee.doom", **scope})
    sign_in(page, demo)
    page.goto(demo.base + f"/dashboard/fields/{field_id}")
    mappings = page.get_by_role("region", name="Mappings")
    expect(mappings.get_by_role("row", name=re.compile(r"^Demo Workday \(workday\)"))
           ).to_contain_text("its own mapping")
    page.get_by_role("link", name="Delete this field").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete the field doomed?")
    expect(page.get_by_role("main")).to_contain_text("2 mappings and 3 options")
    page.get_by_role("button", name="Delete field").click()
    expect(page).to_have_url(re.compile(r"/dashboard/fields\?category=HRIS&model=employee$"))
    expect(page.get_by_role("main")).to_contain_text("Deleted the field doomed")
    page.reload()  # said once
    expect(page.get_by_role("main")).not_to_contain_text("Deleted the field doomed")
    expect(row_of(page, "doomed")).to_have_count(0)
    status, _ = demo.api("GET", f"/api/v1/custom-fields/{field_id}")
    assert status == 404
    # its history stays
    page.goto(demo.base + f"/dashboard/fields/{field_id}/history")
    expect(page.get_by_role("heading", level=1)).to_have_text("History of doomed")
    items = page.get_by_role("list", name="Changes, oldest first").get_by_role("listitem")
    expect(items.last).to_contain_text("Field deleted")
    expect(items.filter(has_text="Mapping deleted")).to_have_count(2)


def test_a_changed_count_stops_the_delete(page, demo):
    field_id = new_field(demo, "late_mapping")
    sign_in(page, demo)
    page.goto(demo.base + f"/dashboard/fields/{field_id}/delete")
    expect(page.get_by_role("main")).to_contain_text("no mappings and no options")
    demo.ok("POST", "/api/v1/custom-fields/mapping", {
        "custom_field_id": field_id, "integration_slug": "workday", "json_path": "data.x"})
    page.get_by_role("button", name="Delete field").click()
    expect(page.get_by_role("alert")).to_contain_text("has changed since the page was loaded")
    expect(page.get_by_role("main")).to_contain_text("1 mapping and no options")
    assert demo.api("GET", f"/api/v1/custom-fields/{field_id}")[0] == 200


def test_the_history_of_a_field(page, demo):
    field_id = new_field(demo, "storied", description="first")
    sign_in(page, demo)
    page.goto(demo.base + f"/dashboard/fields/{field_id}")
    page.get_by_label("Description").fill("second")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    demo.ok("POST", "/api/v1/custom-fields/mapping", {
        "custom_field_id": field_id, "connector_token": demo.connector_token,
        "json_path": "data.employee.story"})
    page.reload()
    page.get_by_role("link", name="History", exact=True).click()
    expect(page).to_have_url(demo.base + f"/dashboard/fields/{field_id}/history")
    expect(page.get_by_role("heading", level=1)).to_have_text("History of storied")
    items = page.get_by_role("list", name="Changes, oldest first").get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Field created")
    expect(items.nth(0)).to_contain_text("via API")
    expect(items.nth(1)).to_contain_text("Field updated")
    expect(items.nth(1).get_by_role("definition")).to_have_text(re.compile(r"^first\W.*second$"))
    expect(items.nth(1)).to_contain_text("via DASHBOARD")
    expect(items.nth(2)).to_contain_text("Mapping created: mapping for connector Demo Workday")
    expect(items.nth(2).locator("code", has_text="data.employee.story")).to_be_visible()
    screenshot(page, "history")
    # the row of the fields table links here too
    page.goto(demo.base + EMPLOYEE)
    row_of(page, "storied").get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of storied")


def test_another_organizations_field_pages_are_404(page, demo):
    demo.cli("org", "create", "--slug", "fields-other", "--name", "Other Organization")
    demo.cli("integration", "enable", "--org", "fields-other", "workday")
    other_key = demo.cli("key", "create", "--org", "fields-other")["key"]
    status, created = demo.api("POST", "/api/v1/custom-fields", {
        "name": "theirs", "category": "HRIS", "model": "employee"}, key=other_key)
    assert status == 201
    theirs = created["id"]
    sign_in(page, demo)
    for path in ("", "/history", "/delete"):
        answer = page.goto(demo.base + f"/dashboard/fields/{theirs}{path}")
        assert answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("not found", re.I))
    answer = page.goto(demo.base + "/dashboard/fields/no-such-field/history")
    assert answer.status == 404
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(demo.base + f"/dashboard/fields/{theirs}/delete",
                               form={"csrf_token": token})
    assert answer.status == 404
    assert demo.api("GET", f"/api/v1/custom-fields/{theirs}", key=other_key)[0] == 200
    page.goto(demo.base + EMPLOYEE)
    expect(row_of(page, "theirs")).to_have_count(0)


def test_the_field_pages_need_a_session(page, demo):
    field_id = new_field(demo, "private_field")
    for path in (EMPLOYEE, f"/dashboard/fields/{field_id}",
                 f"/dashboard/fields/{field_id}/history"):
        page.goto(demo.base + path)
        expect(page).to_have_url(demo.base + "/dashboard/login")
