"""The Scheduler in a real browser: a new task with a weekday pattern, the live preview of its
next executions (htmx, under the real CSP), Run now, and the run in the task's history."""

import re

import pytest
from playwright.sync_api import expect

from interfaces import kinds
from scheduler.models import ScheduledTask

from ..factories import PASSWORD, InterfaceFactory
from ..scheduler.kinds_for_tests import Sync

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sync_kind():
    kinds.register(Sync)
    yield
    kinds.unregister(Sync.key)


def test_create_a_weekday_task_preview_it_run_it_now_and_see_the_run(page, live_server, world_a, sync_kind):
    InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Nightly sync")
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/?next=/alpha/scheduler/")
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("link", name="New scheduled task").click()
    page.get_by_label("Description").fill("Weekday sync")
    page.get_by_label("Interface", exact=True).select_option(label="Nightly sync (Test sync)")
    page.get_by_label("Action").select_option("synchronise")
    # Only the parts a kind uses are shown: minutes are hidden for a weekday pattern.
    page.get_by_label("Execution pattern").select_option("weekdays")
    expect(page.get_by_label("Every (minutes)")).to_be_hidden()
    page.get_by_label("At (HH:MM)").fill("06:45")
    page.get_by_label("At (HH:MM)").press("Tab")

    preview = page.get_by_test_id("pattern-preview")
    expect(page.get_by_test_id("pattern-sentence")).to_have_text("Every weekday at 06:45 (Europe/London)")
    items = preview.locator("li")
    expect(items).to_have_count(5)
    for text in items.all_inner_texts():
        assert re.match(r"(Mon|Tue|Wed|Thu|Fri) \d\d/\d\d/\d{4} \d\d:45 UTC", text), text  # weekdays only

    # A bad time is explained in place before anything is saved.
    page.get_by_label("At (HH:MM)").fill("6h45")
    page.get_by_label("At (HH:MM)").press("Tab")
    expect(page.get_by_test_id("pattern-error")).to_be_visible()
    page.get_by_label("At (HH:MM)").fill("06:45")
    page.get_by_label("At (HH:MM)").press("Tab")
    expect(page.get_by_test_id("pattern-sentence")).to_have_text("Every weekday at 06:45 (Europe/London)")

    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=re.compile("Weekday sync"))).to_be_visible()
    expect(page.get_by_test_id("task-pattern")).to_have_text("Every weekday at 06:45 (Europe/London)")
    task = ScheduledTask._base_manager.get(description="Weekday sync")
    next_before = task.next_execution

    page.get_by_role("button", name="Run now").click()
    expect(page).to_have_url(re.compile(r"/alpha/runs/[0-9a-f-]+/$"))
    run_id = page.url.rstrip("/").rsplit("/", 1)[1]

    page.goto(f"{live_server.url}/alpha/scheduler/{task.uuid}/")
    history = page.get_by_test_id("task-history")
    row = history.locator("tbody tr").first
    expect(row).to_contain_text("Run now")
    expect(row).to_contain_text(run_id[:8])
    expect(row).to_contain_text(world_a.owner.user.email)
    task.refresh_from_db()
    assert task.next_execution == next_before  # Run now leaves the cadence alone
    assert not [e for e in errors if "Content Security Policy" in e], errors
