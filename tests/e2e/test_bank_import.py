"""From a bank account, an accountant imports a Barclays.Net statement file in the browser; the
result page shows the new lines' statement, and a second import shows every line as a duplicate
with the line it duplicates. A real Celery worker runs both."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from finance.banking.models import BankAccount
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces import services

from ..integration.test_run_worker import run_worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo-password-for-tests-1"
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "barclays_net.csv"


def test_import_a_statement_from_the_bank_account_and_again(page, live_server, run_worker, monkeypatch):  # noqa: F811
    queue, worker = run_worker
    send = services.run_enqueue
    monkeypatch.setattr(services, "run_enqueue", lambda *, run, **kw: send(run=run, queue=queue))
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    with scope.activate(Tenant.objects.get(slug="demo")):
        account = BankAccount.objects.get(code="BARC-KLT")
    account_url = f"{live_server.url}/demo/bank-accounts/{account.uuid}/"

    page.goto(account_url)
    page.get_by_label("E-mail address").fill("accountant@kestrel-demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for attempt in (1, 2):
        page.goto(account_url)
        page.get_by_role("link", name="Import statement").click()
        page.get_by_label("Files").set_input_files(str(SAMPLE))
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page).to_have_url(re.compile(r"/demo/runs/[0-9a-f-]{36}/$"))
        expect(page.locator("#run-status .badge")).to_have_text("Succeeded", timeout=60_000)
        expect(page.get_by_role("link", name="Bank statement file import.csv")).to_be_visible()
        if attempt == 1:
            expect(page.locator("#run-status")).to_contain_text("Created")
            expect(page.get_by_role("link", name="BARC-KLT: 02/03/2026 to 06/03/2026")).to_be_visible()
            expect(page.get_by_role("cell", name="STATUS U (uncleared)")).to_be_visible()
        else:
            expect(page.get_by_role("cell", name=re.compile(r"overlap an earlier import"))).to_be_visible()
            expect(page.get_by_role("cell", name="Duplicate of the line of 02/03/2026", exact=False).first).to_be_visible()
    assert worker.poll() is None
