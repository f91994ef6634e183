"""Scheduler pages: list, New / Edit / Delete, Run now, enable and disable, the pattern preview;
permissions and access keys; bad input as form errors."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.audit.models import Event
from finance.tenancy import scope
from interfaces.models import Run
from scheduler.models import ExecutionTrigger, ScheduledExecution, ScheduledTask
from scheduler.patterns import describe, pattern_from_dict

from ..conftest import client_for
from ..factories import InterfaceFactory


def _url(world, name, task=None):
    kwargs = {"tenant_slug": world.tenant.slug}
    if task is not None:
        kwargs["scheduledtask_id"] = task.uuid
    return reverse(f"scheduler:{name}", kwargs=kwargs)


def _form(interface, **overrides):
    data = {
        "description": "Weekday sync", "interface": str(interface.uuid), "action": "synchronise",
        "access_key": "scheduler.view", "pattern_kind": "weekdays", "time": "02:00", "tz": "Europe/London",
        "execute_until": "", "missed_policy": "run_once", "failure_threshold": "5",
    }
    data.update(overrides)
    return data


def _task(world):
    return world.finance["scheduled_task"]


def test_the_list_shows_the_tasks_with_their_pattern_sentence(world_a, owner_client):
    response = owner_client.get(_url(world_a, "list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nightly contact import" in body
    assert describe(pattern_from_dict(_task(world_a).pattern)) in body
    assert "New scheduled task" in body


def test_a_task_whose_access_key_the_member_lacks_is_invisible(world_a, accountant_client):
    task = _task(world_a)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(access_key="vault.manage")
    assert "Nightly contact import" not in accountant_client.get(_url(world_a, "list")).content.decode()
    assert accountant_client.get(_url(world_a, "detail", task)).status_code == 404
    assert client_for(world_a.owner).get(_url(world_a, "detail", task)).status_code == 200


def test_new_task_from_the_form(world_a, owner_client, sync_interface):
    response = owner_client.post(_url(world_a, "new"), _form(sync_interface))
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        task = ScheduledTask.objects.get(description="Weekday sync")
        assert Event.objects.filter(action="scheduler.task.created", object_uuid=str(task.uuid)).exists()
    assert response["Location"] == _url(world_a, "detail", task)
    assert task.pattern == {"kind": "weekdays", "time": "02:00", "tz": "Europe/London", **{
        k: v for k, v in task.pattern.items() if k not in ("kind", "time", "tz")}}
    assert task.next_execution > timezone.now() and task.owner == world_a.owner.user
    page = owner_client.get(response["Location"]).content.decode()
    assert describe(pattern_from_dict(task.pattern)) in page
    assert "UTC" in page and ("GMT" in page or "BST" in page)


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"pattern_kind": "cron", "cron": "61 * * * *"}, "cron", ""),
    ({"tz": "Europe/Londres"}, "tz", "Europe/Londres"),
    ({"execute_until": "2020-01-01"}, "execute_until", "in the past"),
    ({"time": "25:00"}, "time", ""),
    ({"description": ""}, "description", ""),
])
def test_bad_input_is_a_form_error_and_nothing_is_saved(world_a, owner_client, sync_interface, overrides, field, words):
    response = owner_client.post(_url(world_a, "new"), _form(sync_interface, **overrides))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert words in " ".join(form.errors[field])
    with scope.activate(world_a.tenant):
        assert not ScheduledTask.objects.filter(description="Weekday sync").exists()


def test_an_interface_of_another_environment_cannot_be_chosen(world_a, world_b, owner_client):
    foreign = InterfaceFactory(tenant=world_b.tenant, kind="test_sync", description="Their sync")
    response = owner_client.post(_url(world_a, "new"), _form(foreign))
    assert response.status_code == 400
    assert "interface" in response.context["form"].errors
    assert "Their sync" not in owner_client.get(_url(world_a, "new")).content.decode()


def test_a_file_import_cannot_be_scheduled(world_a, owner_client):
    response = owner_client.post(_url(world_a, "new"), _form(world_a.interface, action="run"))
    assert response.status_code == 400
    assert "needs a file" in " ".join(response.context["form"].errors["action"])


def test_the_description_is_unique_per_environment(world_a, owner_client, sync_interface):
    response = owner_client.post(_url(world_a, "new"), _form(sync_interface, description="nightly CONTACT import"))
    assert response.status_code == 400
    assert "already exists" in " ".join(response.context["form"].errors["description"])


def test_edit_keeps_before_and_after_in_the_event_log(world_a, owner_client, sync_interface):
    owner_client.post(_url(world_a, "new"), _form(sync_interface))
    with scope.activate(world_a.tenant):
        task = ScheduledTask.objects.get(description="Weekday sync")
    response = owner_client.post(_url(world_a, "edit", task), _form(sync_interface, pattern_kind="daily", time="03:30"))
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        task.refresh_from_db()
        event = Event.objects.get(action="scheduler.task.updated", object_uuid=str(task.uuid))
    assert task.pattern["kind"] == "daily" and task.pattern["time"] == "03:30"
    assert event.before["pattern"] != event.after["pattern"]


def test_the_preview_shows_the_sentence_and_the_next_five(world_a, owner_client):
    response = owner_client.post(_url(world_a, "preview"), {"pattern_kind": "weekdays", "time": "02:00", "tz": "Europe/London"},
                                 headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert describe(pattern_from_dict({"kind": "weekdays", "time": "02:00", "tz": "Europe/London"})) in body
    assert body.count("<li>") == 5
    bad = owner_client.post(_url(world_a, "preview"), {"pattern_kind": "cron", "cron": "nonsense", "tz": "Europe/London"})
    assert bad.status_code == 200 and 'data-testid="pattern-error"' in bad.content.decode()


def test_run_now_records_a_manual_run_and_keeps_the_cadence(world_a, owner_client, sync_interface):
    owner_client.post(_url(world_a, "new"), _form(sync_interface))
    with scope.activate(world_a.tenant):
        task = ScheduledTask.objects.get(description="Weekday sync")
    before = task.next_execution
    response = owner_client.post(_url(world_a, "run_now", task))
    with scope.activate(world_a.tenant):
        run = Run.objects.get(interface=sync_interface)
        execution = ScheduledExecution.objects.get(task=task)
        task.refresh_from_db()
    assert response.status_code == 302 and response["Location"].endswith(f"/runs/{run.uuid}/")
    assert (run.trigger, run.triggered_by, run.action) == ("browser", world_a.owner.user, "synchronise")
    assert (execution.trigger, execution.run_id, execution.triggered_by) == (ExecutionTrigger.MANUAL, run.pk, world_a.owner.user)
    assert task.next_execution == before and task.last_execution is not None
    history = owner_client.get(_url(world_a, "detail", task)).content.decode()
    assert run.short_id in history and "Run now" in history

    # A second click while that run is active: refused with the run engine's words, recorded.
    again = owner_client.post(_url(world_a, "run_now", task), follow=True)
    assert "already running" in again.content.decode()
    with scope.activate(world_a.tenant):
        assert Run.objects.filter(interface=sync_interface).count() == 1
        refused = ScheduledExecution.objects.filter(task=task).order_by("-pk").first()
    assert (refused.outcome, refused.run_id) == ("skipped", None) and "already running" in refused.reason
    assert "already running" in owner_client.get(_url(world_a, "detail", task)).content.decode()


def test_disable_and_one_click_enable(world_a, owner_client):
    task = _task(world_a)
    owner_client.post(_url(world_a, "toggle", task), {"enabled": "0", "reason": "Term holiday"})
    with scope.activate(world_a.tenant):
        task.refresh_from_db()
    assert (task.enabled, task.disabled_reason, task.next_execution) == (False, "Term holiday", None)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(consecutive_failures=7)
    owner_client.post(_url(world_a, "toggle", task), {"enabled": "1"})
    with scope.activate(world_a.tenant):
        task.refresh_from_db()
        actions = list(Event.objects.filter(object_uuid=str(task.uuid)).values_list("action", flat=True))
    assert task.enabled and task.consecutive_failures == 0 and task.next_execution > timezone.now()
    assert "scheduler.task.disabled" in actions and "scheduler.task.enabled" in actions


def test_delete(world_a, owner_client):
    task = _task(world_a)
    assert owner_client.get(_url(world_a, "delete", task)).status_code == 200
    response = owner_client.post(_url(world_a, "delete", task))
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        assert not ScheduledTask.objects.filter(pk=task.pk).exists()
        assert Event.objects.filter(action="scheduler.task.deleted", object_uuid=str(task.uuid)).exists()


@pytest.mark.parametrize("name", ["new", "edit", "delete", "toggle"])
def test_members_without_scheduler_manage_get_403(world_a, accountant_client, viewer_client, name):
    task = _task(world_a)
    url = _url(world_a, name, None if name == "new" else task)
    for client in (accountant_client, viewer_client):
        assert client.post(url, {}).status_code == 403


def test_a_read_only_member_cannot_run_now_but_sees_the_task(world_a, viewer_client):
    task = _task(world_a)
    assert viewer_client.get(_url(world_a, "detail", task)).status_code == 200
    assert viewer_client.post(_url(world_a, "run_now", task)).status_code == 403


@pytest.mark.parametrize("name", ["list", "new", "detail", "edit", "delete", "run_now", "toggle", "preview"])
def test_an_outsider_gets_404(world_a, outsider_client, name):
    task = None if name in ("list", "new", "preview") else _task(world_a)
    url = _url(world_a, name, task)
    assert outsider_client.get(url).status_code == 404
    assert outsider_client.post(url, {}).status_code == 404


def test_next_execution_is_shown_in_utc_and_london(world_a, owner_client):
    task = _task(world_a)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(next_execution=timezone.now().replace(
            year=2027, month=7, day=1, hour=1, minute=0, second=0, microsecond=0))
    page = owner_client.get(_url(world_a, "detail", task)).content.decode()
    assert "01/07/2027 01:00 UTC" in page and "01/07/2027 02:00 BST" in page
    listing = owner_client.get(_url(world_a, "list")).content.decode()
    assert "01/07/2027 01:00 UTC" in listing and "01/07/2027 02:00 BST" in listing


def test_the_task_page_has_no_extra_queries_per_execution(world_a, owner_client, django_assert_max_num_queries):
    task = _task(world_a)
    now = timezone.now()
    with scope.disabled():
        ScheduledExecution.objects.bulk_create([
            ScheduledExecution(tenant=world_a.tenant, task=task, trigger="schedule", at=now - timedelta(days=i),
                               outcome="skipped", reason="test") for i in range(20)])
    with django_assert_max_num_queries(20):
        assert owner_client.get(_url(world_a, "detail", task)).status_code == 200


def test_the_interfaces_list_shows_the_next_scheduled_execution(world_a, owner_client):
    task = _task(world_a)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(next_execution=timezone.now().replace(
            year=2027, month=1, day=11, hour=2, minute=0, second=0, microsecond=0))
    page = owner_client.get(reverse("interfaces:list", kwargs={"tenant_slug": world_a.tenant.slug})).content.decode()
    assert "Next scheduled execution" in page and "11/01/2027 02:00 UTC" in page


def test_the_csv_exports_hold_plain_times_not_markup(world_a, owner_client):
    task = _task(world_a)
    when = timezone.now().replace(year=2027, month=7, day=1, hour=1, minute=0, second=0, microsecond=0)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(next_execution=when, last_execution=when)
    for url in (_url(world_a, "list"), reverse("interfaces:list", kwargs={"tenant_slug": world_a.tenant.slug})):
        response = owner_client.get(url, {"format": "csv"})
        body = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        assert response.status_code == 200
        assert "2027-07-01T01:00:00+00:00" in body and "<span" not in body
