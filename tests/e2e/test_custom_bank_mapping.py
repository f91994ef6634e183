"""The Mapped fields grid of a custom bank CSV interface in the browser: upload a sample file,
map its columns, save, and find the mapping again when the settings are opened next time."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from finance.tenancy import scope
from interfaces import services
from interfaces.models import ImportFile

from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "custom_bank.csv"


def test_upload_a_sample_map_its_columns_save_and_see_the_mapping_again(page, live_server, world_a):
    with scope.activate(world_a.tenant):
        custom = services.interface_create(
            tenant=world_a.tenant, actor=None, description="Savings bank CSV", kind="custom_csv",
            config={"bank_account": "SAV", "header_skip_lines": 1, "amount_mode": "indicator",
                    "credit_value": "CR", "debit_value": "DR"})
        files_before = ImportFile.objects.count()
    edit = f"{live_server.url}/alpha/interfaces/{custom.uuid}/edit/"
    page.goto(edit)
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(edit)
    grid = page.locator("#mapped-fields")
    expect(grid).to_contain_text("No column is mapped yet")

    grid.get_by_label("Sample file").set_input_files(str(SAMPLE))
    grid.get_by_role("button", name="Read its columns").click()
    grid = page.locator("#mapped-fields")
    expect(grid.get_by_role("status")).to_have_text(
        "The columns of custom_bank.csv (header on line 2). Choose a field for each column you need, then save.")
    expect(grid.get_by_label("Transaction Date")).to_be_visible()
    expect(grid.get_by_role("cell", name="KHA-SWEEP-03")).to_be_visible()  # the example under the header
    grid.get_by_label("Transaction Date").select_option(label="Date")
    grid.get_by_label("Narrative").select_option(label="Description")
    grid.get_by_label("Reference").select_option(label="Reference")
    grid.get_by_label("Amount").select_option(label="Amount")
    grid.get_by_label("Dr/Cr").select_option(label="Credit/debit indicator")
    grid.get_by_label("Balance").select_option(label="Not used")
    page.locator("form button.btn-primary", has_text="Save").click()
    expect(page).to_have_url(f"{live_server.url}/alpha/interfaces/{custom.uuid}/")
    expect(page.get_by_text("Interface 'Savings bank CSV' saved.")).to_be_visible()

    with scope.activate(world_a.tenant):
        custom.refresh_from_db()
        assert {k: v for k, v in custom.config.items() if k.startswith("map.")} == {
            "map.date": "Transaction Date", "map.description": "Narrative", "map.reference": "Reference",
            "map.amount": "Amount", "map.indicator": "Dr/Cr"}
        assert ImportFile.objects.count() == files_before, "the sample file is never kept"

    page.goto(edit)
    grid = page.locator("#mapped-fields")
    expect(grid.get_by_label("Transaction Date")).to_have_value("date")
    expect(grid.get_by_label("Narrative")).to_have_value("description")
    expect(grid.get_by_label("Reference")).to_have_value("reference")
    expect(grid.get_by_label("Amount")).to_have_value("amount")
    expect(grid.get_by_label("Dr/Cr")).to_have_value("indicator")
    expect(grid.get_by_label("Balance")).to_have_count(0)  # not used: not part of the saved mapping
