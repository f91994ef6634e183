"""A list page in a real browser: filter through htmx, choose columns, export."""

import re

import pytest
from playwright.sync_api import expect

from ..contacts.factories import ContactAccountFactory
from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_filter_and_choose_columns_on_contact_accounts(page, live_server, world_a):
    ContactAccountFactory(tenant=world_a.tenant, code="ZEBRA-1", account_description="Zebra Crossings Ltd")
    page.goto(f"{live_server.url}/accounts/login/?next=/alpha/contacts/")
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Contact accounts", level=1)).to_be_visible()
    table = page.locator("#list-results table")
    expect(table.get_by_role("link", name="ZEBRA-1", exact=True)).to_be_visible()

    page.get_by_label("Search").fill("zebra")
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("link", name="ACME-STAT", exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=zebra"))  # htmx pushed the filter into the address

    expect(table.get_by_role("columnheader", name="Roles")).to_be_visible()
    page.get_by_role("button", name="Columns").click()
    page.get_by_label("Roles").uncheck()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", name="Contact accounts", level=1)).to_be_visible()
    expect(page.locator("#list-results table").get_by_role("columnheader", name="Roles")).to_have_count(0)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    path = download.value.path()
    text = open(path, encoding="utf-8-sig").read()
    assert text.splitlines()[0].startswith("is_customer,is_supplier") and "ZEBRA-1" in text and "ACME-STAT" not in text


def test_save_a_set_and_apply_it_again(page, live_server, world_a):
    ContactAccountFactory(tenant=world_a.tenant, code="ZEBRA-1", account_description="Zebra Crossings Ltd")
    page.goto(f"{live_server.url}/accounts/login/?next=/alpha/contacts/")
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    table = page.locator("#list-results table")

    page.get_by_label("Search").fill("zebra")
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("link", name="ACME-STAT", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Sets").click()  # the menu htmx just swapped in, with the new filter
    page.get_by_label("Save current view as…").fill("Zebras")
    page.get_by_label("Share with everyone in this environment").check()
    page.get_by_role("button", name="Save set").click()
    expect(page.get_by_text("Set 'Zebras' saved and shared with everyone in this environment.")).to_be_visible()
    expect(page.get_by_role("button", name="Sets: Zebras")).to_be_visible()

    page.get_by_role("link", name="Clear").click()
    expect(table.get_by_role("link", name="ACME-STAT", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sets").click()
    page.get_by_role("link", name="Zebras").click()
    expect(page).to_have_url(re.compile(r"/alpha/contacts/\?q=zebra$"))
    expect(table.get_by_role("link", name="ACME-STAT", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Sets").click()
    page.get_by_role("button", name="Delete set Zebras").click()
    expect(page.get_by_role("heading", name="Delete the set “Zebras”?")).to_be_visible()
    page.get_by_role("button", name="Delete set").click()
    expect(page.get_by_text("Set 'Zebras' deleted.")).to_be_visible()
