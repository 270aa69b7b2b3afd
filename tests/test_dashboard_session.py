"""The dashboard's sign-in, session and CSRF protection, in a real browser against a real
server: sign in with an API key and out, a wrong key makes no session, pages without a
session go to the sign-in page, a revoked key ends its sessions, a form without the
session's CSRF token is refused, and the cookie is HttpOnly and SameSite=Strict."""

import re

from playwright.sync_api import expect

from tests.browser import screenshot, sign_in


def test_a_wrong_key_shows_an_error_and_makes_no_session(page, demo):
    page.goto(demo.base + "/dashboard/login")
    screenshot(page, "sign-in")
    page.get_by_label("API key").fill("cfk_not_a_key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    page.goto(demo.base + "/dashboard/")
    expect(page).to_have_url(demo.base + "/dashboard/login")


def test_signing_in_and_out(page, demo):
    sign_in(page, demo)
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Organization")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "overview")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(demo.base + "/dashboard/login")
    page.goto(demo.base + "/dashboard/")
    expect(page).to_have_url(demo.base + "/dashboard/login")


def test_the_session_cookie_holds_no_key_and_is_httponly_and_strict(page, demo):
    sign_in(page, demo)
    [cookie] = [c for c in page.context.cookies() if c["name"] == "cf_dashboard"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert demo.key not in cookie["value"] and demo.key[4:20] not in cookie["value"]
    assert page.evaluate("document.cookie") == ""


def test_pages_without_a_session_go_to_the_sign_in_page(page, demo):
    for path in ("/dashboard/", "/dashboard", "/dashboard/fields?category=HRIS&model=employee"):
        page.goto(demo.base + path)
        expect(page).to_have_url(demo.base + "/dashboard/login")


def test_a_post_without_the_csrf_token_is_refused(page, demo):
    sign_in(page, demo)
    # the session cookie goes along (same site), the token does not
    answer = page.request.post(demo.base + "/dashboard/logout", form={"csrf_token": "forged"})
    assert answer.status == 403
    assert "did not come from this dashboard" in answer.text()
    page.goto(demo.base + "/dashboard/")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(demo.base + "/dashboard/logout", form={"csrf_token": token})
    assert answer.ok


def test_a_revoked_key_ends_its_sessions(page, demo):
    issued = demo.cli("key", "create", "--org", "demo")
    sign_in(page, demo, key=issued["key"])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    demo.cli("key", "revoke", issued["id"])
    page.reload()
    expect(page).to_have_url(re.compile(r".*/dashboard/login$"))
