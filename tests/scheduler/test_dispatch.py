"""The dispatch tick: due tasks start once, skips say why, missed runs follow the policy, the
per-kind minimum interval holds, execute-until stops a task, and a crashed tick loses nothing."""

import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from django.db import connection

from finance.audit.models import Event
from finance.catalog.models import Feature
from finance.tenancy import scope
from interfaces.models import Run, RunStatus
from scheduler import dispatch
from scheduler.models import ExecutionOutcome, ScheduledExecution, ScheduledTask
from scheduler.services import task_create

from ..factories import InterfaceFactory, TenantFactory
from .conftest import DAILY_2AM

UTC = timezone.utc
T0 = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)  # a Sunday in winter (GMT)
DUE = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)  # daily 02:00 London the next morning


def _task(world, interface, pattern=DAILY_2AM, now=T0, **fields):
    with scope.activate(world.tenant):
        return task_create(tenant=world.tenant, actor=world.owner.user, description=fields.pop("description", "Nightly sync"),
                           interface=interface, pattern=pattern, action=fields.pop("action", "synchronise"), now=now, **fields)


def _reload(task):
    with scope.disabled():
        return ScheduledTask.objects.get(pk=task.pk)


def _runs(interface):
    with scope.disabled():
        return list(Run.objects.filter(interface=interface).order_by("pk"))


def _executions(task):
    with scope.disabled():
        return list(ScheduledExecution.objects.filter(task=task).order_by("pk"))


def test_a_new_task_is_due_at_its_first_execution(world_a, sync_interface):
    task = _task(world_a, sync_interface)
    assert task.next_execution == DUE
    assert task.last_execution is None


def test_nothing_starts_before_the_task_is_due(world_a, sync_interface):
    _task(world_a, sync_interface)
    totals = dispatch.tick(now=DUE - timedelta(seconds=1), enqueue=False)
    assert totals == {"claimed": 0, "started": 0, "skipped": 0}
    assert _runs(sync_interface) == []


def test_a_due_task_starts_one_run_and_moves_on(world_a, sync_interface):
    task = _task(world_a, sync_interface)
    totals = dispatch.tick(now=DUE + timedelta(seconds=20), enqueue=False)
    assert totals == {"claimed": 1, "started": 1, "skipped": 0}
    [run] = _runs(sync_interface)
    assert (run.status, run.trigger, run.action) == (RunStatus.QUEUED, "schedule", "synchronise")
    task = _reload(task)
    assert task.next_execution == DUE + timedelta(days=1)
    assert task.last_execution == DUE + timedelta(seconds=20)
    [execution] = _executions(task)
    assert (execution.outcome, execution.run_id, execution.due_at) == (ExecutionOutcome.STARTED, run.pk, DUE)
    with scope.disabled():
        assert Event.objects.filter(action="run.requested", run_ref=str(run.uuid), tenant=world_a.tenant).count() == 1

    # The same minute again (a second beat, a retried tick): nothing more.
    assert dispatch.tick(now=DUE + timedelta(seconds=40), enqueue=False)["started"] == 0
    assert len(_runs(sync_interface)) == 1


def test_a_busy_interface_is_skipped_with_the_reason_logged(world_a, sync_interface):
    task = _task(world_a, sync_interface)
    with scope.disabled():
        Run.objects.create(tenant=world_a.tenant, interface=sync_interface, trigger="browser", status=RunStatus.RUNNING)
    totals = dispatch.tick(now=DUE, enqueue=False)
    assert totals == {"claimed": 1, "started": 0, "skipped": 1}
    [execution] = _executions(task)
    assert execution.outcome == ExecutionOutcome.SKIPPED
    assert execution.reason == "a run of Nightly sync is already in progress."
    with scope.disabled():
        event = Event.objects.get(action="scheduler.task.skipped", tenant=world_a.tenant)
    assert "already in progress" in event.message and event.severity == "warning"
    assert _reload(task).next_execution == DUE + timedelta(days=1)  # it waits for the next execution


def test_a_disabled_interface_is_skipped_with_run_requests_own_words(world_a, sync_interface):
    task = _task(world_a, sync_interface)
    with scope.disabled():
        type(sync_interface).objects.filter(pk=sync_interface.pk).update(enabled=False)
    assert dispatch.tick(now=DUE, enqueue=False)["skipped"] == 1
    [execution] = _executions(task)
    assert execution.reason == "Nightly sync is disabled; enable it before running it."


def test_a_feature_turned_off_stops_the_task(world_a):
    capped = InterfaceFactory(tenant=world_a.tenant, kind="test_sync_capped", description="Cin7")
    task = _task(world_a, capped)
    with scope.disabled():
        Feature.objects.filter(tenant=world_a.tenant, key="cin7").update(enabled=False)
    assert dispatch.tick(now=DUE, enqueue=False) == {"claimed": 1, "started": 0, "skipped": 1}
    [execution] = _executions(task)
    assert "is not enabled in this environment" in execution.reason
    assert _runs(capped) == []


def test_the_kinds_minimum_interval_holds_whatever_the_pattern(world_a):
    capped = InterfaceFactory(tenant=world_a.tenant, kind="test_sync_capped", description="Cin7")
    task = _task(world_a, capped, pattern={"kind": "minutes", "every": 15, "tz": "Europe/London"})
    first = task.next_execution
    assert dispatch.tick(now=first, enqueue=False)["started"] == 1
    with scope.disabled():  # the run started and finished at the time the test pretends it is
        Run.objects.filter(interface=capped).update(status=RunStatus.SUCCEEDED, created_at=first, started_at=first)
    # 15 minutes later: inside the hour, skipped with the spec's words.
    totals = dispatch.tick(now=first + timedelta(minutes=15), enqueue=False)
    assert totals == {"claimed": 1, "started": 0, "skipped": 1}
    skipped = _executions(task)[-1]
    assert skipped.reason.startswith("Test capped sync synchronisation skipped: last run started at ")
    assert skipped.reason.endswith("(at most one every hour).")
    # Once the hour has passed since the last run started, it runs again.
    later = first + timedelta(hours=1)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(next_execution=later)
    assert dispatch.tick(now=later, enqueue=False)["started"] == 1
    assert len(_runs(capped)) == 2


def test_the_minimum_interval_comes_from_settings_when_the_kind_names_one(settings, scheduler_kinds):
    capped = scheduler_kinds["test_sync_capped"]
    capped.schedule_min_interval_setting = "CIN7_SYNC_MIN_INTERVAL_SECONDS"
    try:
        settings.CIN7_SYNC_MIN_INTERVAL_SECONDS = 7200
        assert dispatch.min_interval_seconds(capped) == 7200
    finally:
        capped.schedule_min_interval_setting = ""
    assert dispatch.min_interval_seconds(capped) == 3600


@pytest.mark.parametrize(("policy", "started"), [("skip", 0), ("run_once", 1)])
def test_missed_executions_follow_the_policy(world_a, sync_interface, policy, started):
    task = _task(world_a, sync_interface, missed_policy=policy)
    # The application was down from before 02:00 until 09:30 two days later.
    back = DUE + timedelta(days=2, hours=7, minutes=30)
    totals = dispatch.tick(now=back, enqueue=False)
    assert totals["started"] == started and totals["claimed"] == 1
    assert len(_runs(sync_interface)) == started  # never one per missed day
    # Next execution: the first one after the restart, not one of the missed ones.
    assert _reload(task).next_execution == DUE + timedelta(days=3)
    if policy == "skip":
        assert "was missed" in _executions(task)[0].reason


def test_execute_until_stops_the_task_after_its_last_date(world_a, sync_interface):
    task = _task(world_a, sync_interface, execute_until=date(2027, 1, 12))
    assert dispatch.tick(now=DUE, enqueue=False)["started"] == 1  # 11 January
    assert _reload(task).next_execution == DUE + timedelta(days=1)
    with scope.disabled():
        Run.objects.filter(interface=sync_interface).update(status=RunStatus.SUCCEEDED)
    assert dispatch.tick(now=DUE + timedelta(days=1), enqueue=False)["started"] == 1  # 12 January, the last date
    task = _reload(task)
    assert task.next_execution is None
    assert dispatch.tick(now=DUE + timedelta(days=2), enqueue=False)["claimed"] == 0
    with scope.disabled():
        assert Event.objects.filter(action="scheduler.task.finished", object_uuid=str(task.uuid)).count() == 1


def test_a_tick_that_crashes_halfway_loses_nothing_and_doubles_nothing(world_a, sync_interface, monkeypatch):
    task = _task(world_a, sync_interface)

    def crash(**kwargs):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(dispatch, "runs_request_many", crash)
    with pytest.raises(RuntimeError):
        dispatch.tick(now=DUE, enqueue=False)
    assert _reload(task).next_execution == DUE  # the claim rolled back with the rest
    assert _runs(sync_interface) == [] and _executions(task) == []
    monkeypatch.undo()
    assert dispatch.tick(now=DUE + timedelta(minutes=1), enqueue=False)["started"] == 1
    assert dispatch.tick(now=DUE + timedelta(minutes=2), enqueue=False)["started"] == 0
    assert len(_runs(sync_interface)) == 1


def test_tasks_of_many_environments_in_one_tick(world_a, world_b, sync_interface):
    other = InterfaceFactory(tenant=world_b.tenant, kind="test_sync", description="Nightly sync")
    _task(world_a, sync_interface)
    _task(world_b, other)
    assert dispatch.tick(now=DUE, enqueue=False) == {"claimed": 2, "started": 2, "skipped": 0}
    assert [r.tenant_id for r in _runs(sync_interface)] == [world_a.tenant.pk]
    assert [r.tenant_id for r in _runs(other)] == [world_b.tenant.pk]


def test_two_tasks_of_one_interface_due_together_start_one_run(world_a, sync_interface):
    _task(world_a, sync_interface, description="First")
    _task(world_a, sync_interface, description="Second")
    assert dispatch.tick(now=DUE, enqueue=False) == {"claimed": 2, "started": 1, "skipped": 1}


def test_a_disabled_task_never_runs(world_a, sync_interface):
    task = _task(world_a, sync_interface)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(enabled=False)
    assert dispatch.tick(now=DUE, enqueue=False)["claimed"] == 0


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_start_each_task_exactly_once(scheduler_kinds):
    tenant = TenantFactory(slug="race")
    from ..factories import MembershipFactory

    owner = MembershipFactory(tenant=tenant, role="admin")
    with scope.activate(tenant):
        interfaces = [InterfaceFactory(tenant=tenant, kind="test_sync", description=f"Sync {i}") for i in range(20)]
        for i, interface in enumerate(interfaces):
            task_create(tenant=tenant, actor=owner.user, description=f"Task {i}", interface=interface, pattern=DAILY_2AM,
                        action="synchronise", now=T0)
    barrier, results = threading.Barrier(2), []

    def dispatcher():
        try:
            barrier.wait()
            results.append(dispatch.tick(now=DUE, enqueue=False))
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["started"] for r in results) == 20
    assert sum(r["claimed"] for r in results) == 20
    with scope.disabled():
        assert Run.objects.filter(tenant=tenant).count() == 20
        assert ScheduledExecution.objects.filter(tenant=tenant).count() == 20


def test_the_runs_go_to_the_workers_after_the_commit_one_message_per_environment(world_a, world_b, sync_interface,
                                                                                  monkeypatch, django_capture_on_commit_callbacks):
    from interfaces import services as run_services

    sent = []
    monkeypatch.setattr(run_services, "runs_enqueue_many", lambda **kwargs: sent.append(kwargs))
    other = InterfaceFactory(tenant=world_b.tenant, kind="test_sync", description="Nightly sync")
    _task(world_a, sync_interface)
    _task(world_b, other)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        dispatch.tick(now=DUE)
    assert sent == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    [message] = sent
    assert message["by_tenant"] == {world_a.tenant.pk: [r.pk for r in _runs(sync_interface)],
                                    world_b.tenant.pk: [r.pk for r in _runs(other)]}


def test_an_interface_that_became_busy_after_the_check_is_refused_by_the_database(world_a, sync_interface):
    """The constraint that allows one active run per interface settles a race the tick's own check
    missed: the other requests of the batch still get their runs."""
    from interfaces.services import runs_request_many

    other = InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Other sync")
    with scope.disabled():
        busy = Run.objects.create(tenant=world_a.tenant, interface=sync_interface, trigger="browser", status=RunStatus.RUNNING)
        results = runs_request_many(requests=[{"interface": sync_interface, "action": "synchronise"},
                                              {"interface": other, "action": "synchronise"}],
                                    trigger="schedule", enqueue=False)
    (first, refusal), (second, none) = results
    assert first is None and refusal == f"Nightly sync is already running (run {busy.short_id}, started by the system)."
    assert second is not None and none is None
    assert [r.pk for r in _runs(other)] == [second]
    with scope.disabled():
        assert Event.objects.filter(action="run.requested", interface=other).count() == 1
        assert not Event.objects.filter(action="run.requested", interface=sync_interface).exists()
