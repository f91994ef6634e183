"""Mappings (Generic): a row is edited in place with htmx (the page is not reloaded) and a row is
added the same way."""

import pytest
from playwright.sync_api import expect

from finance.catalog.models import Mapping
from finance.tenancy import scope

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_edit_a_mapping_row_in_place_and_add_one(page, live_server, world_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    country = world_a.finance["mapping_type"]
    url = f"{live_server.url}/alpha/mappings/{country.uuid}/"
    page.goto(url)
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(url)
    # A marker on the window: it survives only if the page is never reloaded.
    page.evaluate("window.__notReloaded = true")

    row = page.locator("#mapping-rows-body tr").filter(has_text="United Kingdom")
    expect(row.get_by_role("cell", name="GB", exact=True)).to_be_visible()
    row.get_by_role("link", name="Edit").click()
    editor = page.locator("#mapping-rows-body tr.table-active")
    select = editor.get_by_label("Destination code")
    expect(select).to_have_value("GB")
    select.select_option("IE")
    editor.get_by_role("button", name="Save").click()
    row = page.locator("#mapping-rows-body tr").filter(has_text="United Kingdom")
    expect(row.get_by_role("cell", name="IE", exact=True)).to_be_visible()
    expect(page.locator("#mapping-rows-body tr.table-active")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True
    expect(page).to_have_url(url)

    form = page.locator("#mapping-add")
    form.get_by_label("Source value").fill("France")
    form.get_by_label("Destination code").select_option("FR")
    form.get_by_role("button", name="Add").click()
    expect(page.locator("#mapping-rows-body tr").filter(has_text="France").get_by_role("cell", name="FR", exact=True)).to_be_visible()
    expect(page.locator("#mapping-add").get_by_label("Source value")).to_have_value("")
    assert page.evaluate("window.__notReloaded") is True
    with scope.activate(world_a.tenant):
        assert dict(Mapping.objects.filter(type=country).values_list("source_value", "destination_code")) == {
            "United Kingdom": "IE", "France": "FR"}
    assert not [e for e in errors if "Content Security Policy" in e], errors
