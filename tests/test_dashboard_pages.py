"""The effective configuration and values pages, in a real browser against a real
server: the configuration agrees with the API's (the winning source per field, the
integration's mapping beside a connector override, none for a field without a mapping),
the values page shows a synced record's values, highlights a TYPE_MISMATCH and reads an
unmapped field as unmapped, pages with "Next page", and refusals are error messages.

Fields, mappings and synced rows are made through the API; the demo organization is
shared by the module's tests, so each test uses its own field names (and the paging test
its own model)."""

import re

from playwright.sync_api import expect

from tests.browser import screenshot, sign_in

EMPLOYEE = {"category": "HRIS", "model": "employee"}


def new_field(demo, name: str, model: str = "employee", **extra) -> str:
    return demo.ok("POST", "/api/v1/custom-fields",
                   {"name": name, "category": "HRIS", "model": model, **extra})["id"]


def new_mapping(demo, field_id: str, json_path: str, *, connector: bool = False) -> str:
    scope = ({"connector_token": demo.connector_token} if connector
             else {"integration_slug": "workday"})
    return demo.ok("POST", "/api/v1/custom-fields/mapping",
                   {"custom_field_id": field_id, "json_path": json_path, **scope})["id"]


def sync(demo, model: str, records: dict[str, dict]) -> None:
    demo.ok("POST", f"/api/v1/connectors/{demo.connector_token}/sync", {
        "category": "HRIS", "model": model,
        "records": [{"remote_id": remote_id, "data": data}
                    for remote_id, data in records.items()]})


def page_url(demo, page_name: str, model: str = "employee", **extra: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"connector_token": demo.connector_token,
                                              "category": "HRIS", "model": model,
                                              **extra}.items())
    return f"{demo.base}/dashboard/{page_name}?{query}"


def row_of(page, name: str):
    """The table row whose row header is this field (or record)."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(name)}\b")))


def value_cell(page, remote_id: str, field_name: str):
    """The cell of a record's row under a field's column header."""
    headers = page.get_by_role("columnheader").all_inner_texts()
    column = next(i for i, text in enumerate(headers) if text.split()[0] == field_name)
    return row_of(page, remote_id).get_by_role("cell").nth(column - 1)  # col 0: the row header


def test_the_configuration_agrees_with_the_api(page, demo):
    inherited = new_field(demo, "cfg_inherited", description="Mapped for the integration")
    overridden = new_field(demo, "cfg_overridden")
    own = new_field(demo, "cfg_own")
    new_field(demo, "cfg_unmapped")
    new_mapping(demo, inherited, "data.employee.first_name")
    new_mapping(demo, overridden, "data.employee.id")
    new_mapping(demo, overridden, "data.employee.emergency.phone", connector=True)
    new_mapping(demo, own, "data.employee.shirt", connector=True)
    api = demo.ok("GET", "/api/v1/custom-fields/configuration?connector_token="
                  f"{demo.connector_token}&category=HRIS&model=employee")

    sign_in(page, demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Configuration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Effective configuration")
    # the first connector and its first model are the defaults
    expect(page.get_by_label("Connector")).to_have_value(demo.connector_token)
    expect(page.get_by_label("Model")).to_have_value("HRIS/employee")
    for entry in api["fields"]:
        cells = row_of(page, entry["name"]).get_by_role("cell")
        expect(cells.nth(1)).to_have_text(entry["json_path"] or "not mapped")
        expect(cells.nth(2)).to_have_text(entry["source"] or "none")
    sources = {e["name"]: e["source"] for e in api["fields"]}
    assert sources["cfg_inherited"] == "organization" and sources["cfg_own"] == "connector"
    assert sources["cfg_overridden"] == "connector" and sources["cfg_unmapped"] is None
    # the integration's mapping stands beside the override that hides it
    expect(row_of(page, "cfg_overridden").get_by_role("cell").nth(3)).to_have_text(
        "data.employee.id")
    expect(row_of(page, "cfg_inherited").get_by_role("cell").nth(3)).to_have_text("")
    expect(row_of(page, "cfg_inherited").get_by_role("cell").nth(0)).to_have_text(
        "Mapped for the integration")
    # links to the field's page and its mapping editor
    own_link = row_of(page, "cfg_own").get_by_role("link", name="cfg_own", exact=True)
    expect(own_link).to_have_attribute("href", f"/dashboard/fields/{own}")
    expect(page.get_by_role("link", name="Map cfg_own")).to_have_attribute(
        "href", f"/dashboard/fields/{own}/map")
    screenshot(page, "configuration")


def test_choosing_the_scope_and_a_refused_model(page, demo):
    sign_in(page, demo)
    page.goto(demo.base + "/dashboard/configuration")
    page.get_by_label("Model").select_option(label="HRIS / Department")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(page_url(demo, "configuration", model="department"))
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Demo Workday · HRIS / department")

    hubspot = demo.cli("connector", "create", "--org", "demo", "--integration", "hubspot",
                       "--name", "Pages HubSpot")
    page.reload()
    # another connector: the Model select offers the categories its integration serves
    page.get_by_label("Connector").select_option(label="Pages HubSpot (hubspot)")
    expect(page.get_by_label("Model").locator("option")).to_have_text(
        ["CRM / Person", "CRM / Company", "CRM / Deal"])
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"category=CRM&model=person$"))

    page.goto(f"{demo.base}/dashboard/configuration?connector_token="
              f"{hubspot['connector_token']}&category=HRIS&model=employee")
    expect(page.get_by_role("alert")).to_contain_text("does not serve category HRIS")
    page.goto(f"{demo.base}/dashboard/values?connector_token=cft_not_ours&category=HRIS"
              "&model=employee")
    expect(page.get_by_role("alert")).to_contain_text("no connector with that token")


def test_the_values_page_shows_values_errors_and_unmapped_fields(page, demo):
    name = new_field(demo, "val_name")
    score = new_field(demo, "val_score", type="number")
    shirt = new_field(demo, "val_shirt", type="multiselect",
                      options=[{"value": "M", "color": "#2754C5"}, {"value": "L"}])
    new_field(demo, "val_unmapped")
    new_mapping(demo, name, "data.employee.first_name")
    new_mapping(demo, score, "data.employee.first_name", connector=True)  # a name: no number
    new_mapping(demo, shirt, "data.employee.shirt")
    sync(demo, "employee", {"val-1": {"first_name": "Ada", "shirt": "M"},
                            "val-2": {"first_name": "Grace", "shirt": "XXL"}})

    sign_in(page, demo)
    page.goto(page_url(demo, "values"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Resolved values")
    table = page.get_by_role("region", name="Resolved values")
    expect(table).to_be_visible()
    expect(value_cell(page, "val-1", "val_name")).to_have_text("Ada")
    expect(value_cell(page, "val-2", "val_name")).to_have_text("Grace")
    expect(value_cell(page, "val-1", "val_shirt")).to_have_text("M")
    swatch = value_cell(page, "val-1", "val_shirt").locator(".swatch")
    expect(swatch).to_have_attribute("style", "background: #2754C5")
    expect(value_cell(page, "val-2", "val_shirt")).to_contain_text("UNKNOWN_OPTION")
    mismatch = value_cell(page, "val-1", "val_score")
    expect(mismatch).to_contain_text("TYPE_MISMATCH")
    expect(mismatch.get_by_text("TYPE_MISMATCH")).to_have_css("color", "rgb(179, 38, 30)")
    api = demo.ok("GET", "/api/v1/custom-fields/values?connector_token="
                  f"{demo.connector_token}&category=HRIS&model=employee&remote_id=val-1")
    detail = api["records"][0]["errors"]["val_score"]["detail"]
    expect(mismatch).to_contain_text(detail)
    expect(mismatch.get_by_text("TYPE_MISMATCH")).to_have_attribute("title", detail)
    # unmapped is not an empty value
    expect(value_cell(page, "val-1", "val_unmapped")).to_have_text("unmapped")
    unmapped = next(f for f in api["records"][0]["fields"] if f["name"] == "val_unmapped")
    assert unmapped["source"] is None
    expect(page.get_by_role("columnheader", name=re.compile("^val_unmapped"))) \
        .to_contain_text("unmapped")
    expect(page.get_by_role("columnheader", name=re.compile("^val_score"))) \
        .to_contain_text("connector")
    screenshot(page, "values")


def test_the_values_page_is_paged(page, demo):
    label = new_field(demo, "pg_label", model="department")
    new_mapping(demo, label, "data.department.name")
    sync(demo, "department", {f"dep-{i}": {"name": f"Department {i}"} for i in (1, 2, 3)})

    sign_in(page, demo)
    page.goto(page_url(demo, "values", model="department", limit="2"))
    records = page.get_by_role("region", name="Resolved values").get_by_role("rowheader")
    expect(records).to_have_text(["dep-1", "dep-2"])
    expect(page.get_by_role("link", name="First page")).to_have_count(0)
    page.get_by_role("link", name="Next page").click()
    expect(records).to_have_text(["dep-3"])
    expect(value_cell(page, "dep-3", "pg_label")).to_have_text("Department 3")
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
    # the scope form keeps the page size
    page.get_by_role("button", name="Show").click()
    expect(records).to_have_text(["dep-1", "dep-2"])
    page.get_by_role("link", name="Next page").click()
    page.get_by_role("link", name="First page").click()
    expect(records).to_have_text(["dep-1", "dep-2"])
    page.goto(page_url(demo, "values", model="department", cursor="not-ours!"))
    expect(page.get_by_role("alert")).to_contain_text("cursor is not one this service issued")


def test_the_pages_need_a_session(page, demo):
    for path in ("/dashboard/configuration", "/dashboard/values",
                 "/dashboard/configuration/models?connector_token=x"):
        page.goto(demo.base + path)
        expect(page).to_have_url(demo.base + "/dashboard/login")
