"""An admin creates a Vault entry in the browser, sees only its fingerprint, and replaces the
value, which asks for their password again."""

import re

import pytest
from playwright.sync_api import expect

from finance.tenancy import scope
from vault.models import VaultEntry
from vault.services import vault_secret_read

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = "e2e-first-secret-Q7wk"
SECOND = "e2e-second-secret-M3zp"


def _sign_in(page, live_server, world, path):
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("E-mail address").fill(world.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}{path}")


def test_create_an_entry_see_the_fingerprint_and_replace_the_value(page, live_server, world_a):
    _sign_in(page, live_server, world_a, "/alpha/vault/")
    page.get_by_role("link", name="New entry").click()
    page.get_by_label("Name").fill("Bank feed token")
    page.get_by_label("Type").select_option(label="API key")
    page.get_by_label("Description").fill("Token of the bank feed")
    page.get_by_label("Value").fill(FIRST)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save entry").click()

    expect(page).to_have_url(f"{live_server.url}/alpha/vault/")
    row = page.get_by_role("row").filter(has_text="Bank feed token")
    expect(row.get_by_role("cell", name="••••Q7wk")).to_be_visible()
    expect(row).to_contain_text("API key")
    assert FIRST not in page.content()

    row.get_by_role("link", name="Replace value").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bank feed token")
    page.get_by_label("Value").fill(SECOND)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Replace value").click()
    expect(page.get_by_text("Your password is not correct.")).to_be_visible()
    # The refused form gives neither the new value nor the password back.
    expect(page.get_by_label("Value")).to_have_value("")
    assert SECOND not in page.content()

    page.get_by_label("Value").fill(SECOND)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Replace value").click()
    expect(page).to_have_url(f"{live_server.url}/alpha/vault/")
    row = page.get_by_role("row").filter(has_text="Bank feed token")
    expect(row.get_by_role("cell", name="••••M3zp")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Q7wk"))).to_have_count(0)
    assert SECOND not in page.content() and FIRST not in page.content()
    with scope.activate(world_a.tenant):
        entry = VaultEntry.objects.get(name="Bank feed token")
        assert (entry.type, entry.updated_by) == ("api_key", world_a.owner.user)
        assert vault_secret_read(entry=entry, purpose="check") == SECOND
