"""The notes panel of a contact account: Bootstrap opens the offcanvas, htmx fills it."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_notes_button_opens_the_accounts_notes_in_a_side_panel(page, live_server, world_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    detail = f"{live_server.url}/alpha/contacts/{world_a.contact.uuid}/"
    page.goto(detail)
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(detail)
    expect(page.get_by_role("heading", name=re.compile("^ACME-STAT"), level=1)).to_be_visible()

    page.get_by_role("link", name=re.compile("Notes")).click()
    panel = page.locator("#notes-panel")
    expect(panel).to_have_class(re.compile(r"\bshow\b"))
    expect(panel.get_by_role("heading", name=world_a.note.subject)).to_be_visible()
    expect(panel.get_by_role("link", name="Add note")).to_be_visible()
    expect(page).to_have_url(detail)  # the panel opened in place of following the link
    assert not [e for e in errors if "Content Security Policy" in e], errors
