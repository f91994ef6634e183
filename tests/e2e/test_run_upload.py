"""An accountant uploads a file to an interface in the browser; a real Celery worker runs it; the run
page shows the progress while it runs, then the result, and the produced file downloads."""

import re

import pytest
from playwright.sync_api import expect

from finance.tenancy import scope
from interfaces import services

from ..factories import PASSWORD, InterfaceFactory
from ..integration.test_run_worker import run_worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_upload_watch_progress_see_the_result_and_download_the_produced_file(page, live_server, world_a, run_worker,  # noqa: F811
                                                                             monkeypatch, tmp_path):
    queue, worker = run_worker
    send = services.run_enqueue
    monkeypatch.setattr(services, "run_enqueue", lambda *, run, **kw: send(run=run, queue=queue))
    interface = InterfaceFactory(tenant=world_a.tenant, kind="test_csv", description="People file")
    source = tmp_path / "people.csv"
    source.write_text("name\n" + "".join(f"person {n}\n" for n in range(1, 12)) + "bad row\n", encoding="utf-8")

    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/alpha/interfaces/{interface.uuid}/")
    page.get_by_label("E-mail address").fill(world_a.accountant.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Run", exact=True).click()

    page.get_by_label("Files").set_input_files(str(source))
    page.get_by_text("Advanced: settings for this run only").click()
    page.get_by_label("Pause ms").fill("400")
    page.get_by_role("button", name="Import").click()

    expect(page).to_have_url(re.compile(r"/alpha/runs/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("progressbar", name="Progress")).to_be_visible(timeout=60_000)
    expect(page.locator("#run-status .badge")).to_have_text("Completed with errors", timeout=60_000)
    # The page reloaded when the run ended: the counts, the failed row and the files are there.
    expect(page.get_by_role("cell", name="This row is bad.")).to_be_visible()
    expect(page.get_by_role("cell", name="13", exact=True)).to_be_visible()
    status = page.locator("#run-status")
    expect(status).to_contain_text("Created")
    assert re.search(r"Created\s*11", status.inner_text()), status.inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="names.txt").click()
    saved = download.value.path()
    assert download.value.suggested_filename == "names.txt"
    with open(saved, encoding="utf-8") as handle:
        assert handle.read().splitlines() == [f"person {n}" for n in range(1, 12)]
    with scope.activate(world_a.tenant):
        run = interface.runs.get()
        assert run.triggered_by == world_a.accountant.user and run.options == {"pause_ms": 400}
    assert worker.poll() is None
    assert not [e for e in errors if "Content Security Policy" in e], errors
