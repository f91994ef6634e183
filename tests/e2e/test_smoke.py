"""Sign in, open the pulse menu, use Quick Launch: in a real browser, with the real CSP."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page, live_server, world_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/alpha/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/alpha/"))
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/alpha/")
    return page, errors


def test_sign_in_open_the_pulse_menu_and_quick_launch(signed_in, live_server):
    page, console_errors = signed_in
    expect(page.get_by_role("heading", name="Alpha Trust", level=1)).to_be_visible()

    page.get_by_role("button", name="Menu").click()
    menu = page.locator("#pulse-menu")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("heading", name="Settings")).to_be_visible()
    expect(menu.get_by_role("link", name="Interfaces")).to_be_visible()
    expect(menu.get_by_role("link", name="User accounts")).to_be_visible()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))  # open, so it takes the keyboard
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    box = page.get_by_role("searchbox", name="Quick Launch")
    box.fill("Interf")
    # htmx lists the match as you type (proves htmx runs under the CSP) ...
    expect(page.locator("#quick-launch-results").get_by_role("link", name=re.compile("^Interfaces"))).to_be_visible()
    # ... and Enter opens it.
    box.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/alpha/interfaces/")
    expect(page.get_by_role("heading", name="Interfaces", level=1)).to_be_visible()
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_an_admin_creates_an_api_key_and_sees_it_once(signed_in, live_server, world_a):
    page, _ = signed_in
    page.goto(f"{live_server.url}/alpha/users/{world_a.accountant.uuid}/?tab=keys")
    page.get_by_label("Description").fill("Nightly sync")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_role("textbox", name="New API key").input_value()
    assert key.startswith("fik_")
    page.reload()  # re-posts the form: must not create a second key, nor show the key again
    expect(page.get_by_text("already submitted")).to_be_visible()
    expect(page.get_by_role("cell", name="Nightly sync")).to_have_count(1)
    assert key not in page.content()
