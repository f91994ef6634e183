"""The data dictionary in a real browser: reached from the pulse menu, no CSP violations, and a
template downloads as a file."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_open_the_data_dictionary_from_the_menu_and_download_a_template(page, live_server, world_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/alpha/")
    page.get_by_label("E-mail address").fill(world_a.viewer.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("button", name="Menu").click()
    page.locator("#pulse-menu").get_by_role("link", name="Data dictionary").click()
    expect(page).to_have_url(re.compile(r"/alpha/data-dictionary/$"))
    expect(page.get_by_role("heading", name="Data dictionary", level=1)).to_be_visible()
    for title in ("Contacts", "Notes", "Documents", "Bank statements"):
        expect(page.get_by_role("heading", name=title, level=2)).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download template for notes").click()
    assert download.value.suggested_filename == "notes-template.csv"
    with open(download.value.path(), "rb") as handle:
        assert handle.read().decode("utf-8-sig").startswith("contact_account,note_date,subject,body,")
    assert not [e for e in errors if "Content Security Policy" in e], errors
