"""The navbar's bell in a real browser: the dropdown htmx fills on opening, under the real CSP."""

import re

import pytest
from playwright.sync_api import expect

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_bell_opens_the_latest_notices_and_one_leads_to_its_page(page, live_server, world_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/?next=/alpha/imports/")
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    bell = page.get_by_role("button", name="Notices, 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    menu = page.locator("#notices-menu")
    notice = menu.get_by_role("button", name=re.compile("Contact import: succeeded"))
    expect(notice).to_be_visible()
    expect(menu.get_by_role("link", name="All notices")).to_be_visible()
    notice.click()

    run = world_a.finance["run"]
    expect(page).to_have_url(f"{live_server.url}/alpha/runs/{run.uuid}/")
    expect(page.get_by_role("button", name="Notices", exact=True)).to_be_visible()  # read: no count any more
    assert not [e for e in errors if "Content Security Policy" in e], errors
