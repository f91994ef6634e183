"""An accountant validates a contact file in the browser, sees the cell-level errors without
anything written, fixes nothing but imports the valid rows with *Commit valid rows*, and finds the
new contact in the list. The run executes in a real Celery worker."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from finance.contacts.models import ContactAccount
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces import services
from interfaces.models import Interface

from ..integration.test_run_worker import run_worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo-password-for-tests-1"
HEADER = "is_customer,code,company_name,pay_term,address.postcode\n"


def test_validate_shows_the_errors_then_commit_valid_rows_imports_the_rest(page, live_server, run_worker,  # noqa: F811
                                                                           monkeypatch, tmp_path):
    queue, worker = run_worker
    send = services.run_enqueue
    monkeypatch.setattr(services, "run_enqueue", lambda *, run, **kw: send(run=run, queue=queue))
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    demo = Tenant.objects.get(slug="demo")
    with scope.activate(demo):
        interface = Interface.objects.get(description="Contact import")
    source = tmp_path / "new-customers.csv"
    source.write_text(HEADER + "y,WEB-1,Browser Bakery Ltd,30D,ZZ1 3AB\ny,WEB-2,Bad Term Ltd,45D,ZZ1\n", encoding="utf-8")

    page.goto(f"{live_server.url}/demo/interfaces/{interface.uuid}/run/")
    page.get_by_label("E-mail address").fill("accountant@kestrel-demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Files").set_input_files(str(source))
    page.get_by_role("button", name="Validate").click()

    expect(page).to_have_url(re.compile(r"/demo/runs/[0-9a-f-]{36}/$"))
    expect(page.locator("#run-status .badge")).to_have_text("Failed", timeout=60_000)
    expect(page.get_by_text("validation only: nothing was written")).to_be_visible()
    expect(page.get_by_role("cell", name="Payment term '45D' does not exist")).to_be_visible()
    expect(page.get_by_role("cell", name="Invalid UK postcode 'ZZ1'")).to_be_visible()
    with scope.activate(demo):
        assert not ContactAccount.objects.filter(code__startswith="WEB-").exists()

    page.goto(f"{live_server.url}/demo/interfaces/{interface.uuid}/run/")
    page.get_by_label("Files").set_input_files(str(source))
    page.get_by_text("Advanced: settings for this run only").click()
    page.get_by_label("Commit valid rows").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#run-status .badge")).to_have_text("Completed with errors", timeout=60_000)
    expect(page.get_by_role("button", name="Retry failed rows")).to_be_visible()
    with scope.activate(demo):
        assert list(ContactAccount.objects.filter(code__startswith="WEB-").values_list("code", flat=True)) == ["WEB-1"]

    page.goto(f"{live_server.url}/demo/contacts/?q=WEB-")
    expect(page.get_by_role("link", name="WEB-1", exact=True)).to_be_visible()
    assert worker.poll() is None
