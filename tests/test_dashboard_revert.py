"""Reverting a field from its history page, in a real browser against a real server:
"Revert to this version" on the last entry of each earlier version, a confirmation
comparing the field now with the field at that version, the revert's events in the
history afterwards, and refusals (an old name taken since, a change made meanwhile)
shown on the confirmation, where nothing was written.

Fields are made and changed through the API and every outcome is checked through it.
The demo organization is shared by the module's tests: each uses field names of its own."""

import re

from playwright.sync_api import expect

from tests.browser import screenshot, sign_in

F = "/api/v1/custom-fields"


def new_field(demo, name: str, **extra) -> str:
    return demo.ok("POST", F, {"name": name, "category": "HRIS", "model": "employee",
                               **extra})["id"]


def items(page):
    return page.get_by_role("list", name="Changes, oldest first").get_by_role("listitem")


def revert_button(item):
    return item.get_by_role("button", name="Revert to this version")


def open_history(page, demo, field_id: str) -> None:
    page.goto(demo.base + f"/dashboard/fields/{field_id}/history")
    expect(page.get_by_role("heading", level=1)).to_contain_text("History of")


def test_reverting_a_field_from_its_history(page, demo):
    field_id = new_field(demo, "rv_shirt", description="first", type="multiselect",
                         options=[{"value": "S", "color": "#2754C5"}, {"value": "M"}])
    demo.ok("POST", F + "/mapping", {"custom_field_id": field_id, "integration_slug": "workday",
                                     "json_path": "data.employee.shirt"})
    demo.ok("PATCH", f"{F}/{field_id}", {"name": "rv_tshirt", "description": "second"})
    current = demo.ok("GET", f"{F}/{field_id}")
    demo.ok("PATCH", f"{F}/{field_id}/options/{current['options'][0]['id']}", {"value": "Small"})
    demo.ok("DELETE", f"{F}/mapping/{current['mappings'][0]['id']}")
    demo.ok("POST", F + "/mapping", {"custom_field_id": field_id,
                                     "connector_token": demo.connector_token,
                                     "json_path": "data.employee.size"})
    sign_in(page, demo)
    open_history(page, demo, field_id)
    # versions 1-3 (created, two options; the mapping at 3), 4 (renamed), 5 (now)
    expect(items(page)).to_have_count(8)
    expect(items(page).nth(3)).to_contain_text("Mapping created")
    expect(items(page).nth(3)).to_contain_text("version 3")
    assert [revert_button(items(page).nth(i)).count() for i in range(8)] == [
        1, 1, 0, 1, 1, 0, 0, 0]

    revert_button(items(page).nth(3)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revert rv_tshirt to version 3?")
    table = page.get_by_role("table", name="The field now and at version 3")
    name = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(
        "^Name")))
    expect(name).to_contain_text("(changes)")
    expect(name.get_by_role("cell")).to_have_text(["rv_tshirt", "rv_shirt"])
    mappings = table.get_by_role("row").filter(has=page.get_by_role(
        "rowheader", name=re.compile("^Mappings")))
    expect(mappings.get_by_role("cell")).to_have_text([
        "connector Demo Workday: data.employee.size",
        "integration Workday: data.employee.shirt"])
    screenshot(page, "revert")
    page.get_by_role("button", name="Revert", exact=True).click()

    expect(page).to_have_url(demo.base + f"/dashboard/fields/{field_id}/history")
    expect(page.get_by_role("status").filter(has_text="Reverted")).to_have_text(
        "Reverted the field to version 3.")
    expect(page.get_by_role("heading", level=1)).to_have_text("History of rv_shirt")
    # the revert's events come after the others, and say so
    expect(items(page)).to_have_count(12)
    for i in range(8, 12):
        expect(items(page).nth(i)).to_contain_text("reverted to version 3")
        expect(items(page).nth(i)).to_contain_text("via DASHBOARD")
    field = demo.ok("GET", f"{F}/{field_id}")
    assert (field["name"], field["description"]) == ("rv_shirt", "first")
    assert [(o["value"], o["color"]) for o in field["options"]] == [("S", "#2754C5"),
                                                                   ("M", None)]
    assert [(m["integration_slug"], m["json_path"]) for m in field["mappings"]] == [
        ("workday", "data.employee.shirt")]


def test_cancelling_the_confirmation_writes_nothing(page, demo):
    field_id = new_field(demo, "rv_cancel", description="first")
    demo.ok("PATCH", f"{F}/{field_id}", {"description": "second"})
    before = demo.ok("GET", f"{F}/{field_id}")
    sign_in(page, demo)
    open_history(page, demo, field_id)
    revert_button(items(page).nth(0)).click()
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(demo.base + f"/dashboard/fields/{field_id}/history")
    expect(items(page)).to_have_count(2)
    assert demo.ok("GET", f"{F}/{field_id}") == before


def test_an_old_name_taken_since_is_refused_on_the_confirmation(page, demo):
    field_id = new_field(demo, "rv_taken")
    demo.ok("PATCH", f"{F}/{field_id}", {"name": "rv_taken_now"})
    new_field(demo, "rv_taken")
    before = demo.ok("GET", f"{F}/{field_id}")
    sign_in(page, demo)
    open_history(page, demo, field_id)
    revert_button(items(page).nth(0)).click()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Revert", exact=True).click()
    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_contain_text(
        "cannot revert to version 1: a field named 'rv_taken' already exists on HRIS/employee")
    assert demo.ok("GET", f"{F}/{field_id}") == before


def test_a_change_made_meanwhile_stops_the_revert_until_confirmed_again(page, demo):
    field_id = new_field(demo, "rv_stale", description="first")
    demo.ok("PATCH", f"{F}/{field_id}", {"description": "second"})
    sign_in(page, demo)
    open_history(page, demo, field_id)
    revert_button(items(page).nth(0)).click()
    demo.ok("POST", F + "/mapping", {"custom_field_id": field_id, "integration_slug": "workday",
                                     "json_path": "data.employee.late"})
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Revert", exact=True).click()
    assert answer.value.status == 412
    expect(page.get_by_role("alert")).to_contain_text("has changed since the page was loaded")
    assert demo.ok("GET", f"{F}/{field_id}")["description"] == "second"
    # the confirmation now shows the mapping made meanwhile, and carries the current ETag
    expect(page.get_by_role("table")).to_contain_text("data.employee.late")
    page.get_by_role("button", name="Revert", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Reverted")).to_be_visible()
    field = demo.ok("GET", f"{F}/{field_id}")
    assert field["description"] == "first" and field["mappings"] == []


def test_no_revert_is_offered_for_the_current_version_or_a_deleted_field(page, demo):
    only = new_field(demo, "rv_only")
    gone = new_field(demo, "rv_gone")
    demo.ok("PATCH", f"{F}/{gone}", {"description": "second"})
    demo.ok("DELETE", f"{F}/{gone}")
    sign_in(page, demo)
    for field_id in (only, gone):
        open_history(page, demo, field_id)
        expect(page.get_by_role("button", name="Revert to this version")).to_have_count(0)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(demo.base + f"/dashboard/fields/{gone}/revert",
                               form={"csrf_token": token, "to_version": "1", "confirmed": "yes"})
    assert answer.status == 404
    answer = page.request.post(demo.base + f"/dashboard/fields/{only}/revert",
                               form={"to_version": "1", "confirmed": "yes"})
    assert answer.status == 403  # no CSRF token
