"""`scheduler_tick` and the dispatch tick across the clock changes: a tick every minute through the
October and March nights starts a daily task exactly once, at the right instant."""

import io
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import CommandError, call_command

from finance.tenancy import scope
from interfaces.models import Run, RunStatus
from scheduler import dispatch
from scheduler.models import ScheduledTask
from scheduler.services import task_create

UTC = timezone.utc


def _daily(world, interface, time, now):
    with scope.activate(world.tenant):
        return task_create(tenant=world.tenant, actor=world.owner.user, description=f"Daily {time}", interface=interface,
                           pattern={"kind": "daily", "time": time, "tz": "Europe/London"}, action="synchronise", now=now)


def _tick_every_minute(start, end):
    """A beat that never misses a minute from `start` to `end` (UTC); finished runs free the
    interface as a worker would."""
    started = []
    now = start
    while now <= end:
        if dispatch.tick(now=now, enqueue=False)["started"]:
            started.append(now)
            with scope.disabled():
                Run.objects.filter(status=RunStatus.QUEUED).update(status=RunStatus.SUCCEEDED)
        now += timedelta(minutes=1)
    return started


def test_in_the_repeated_hour_of_october_a_daily_task_runs_once(world_a, sync_interface):
    # 25 October 2026: 01:00-01:59 happens twice in London (BST, then GMT).
    _daily(world_a, sync_interface, "01:30", now=datetime(2026, 10, 24, 12, 0, tzinfo=UTC))
    started = _tick_every_minute(datetime(2026, 10, 24, 23, 0, tzinfo=UTC), datetime(2026, 10, 25, 3, 0, tzinfo=UTC))
    assert started == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]  # 01:30 BST, the first 01:30


def test_in_the_skipped_hour_of_march_a_daily_task_runs_at_the_change(world_a, sync_interface):
    # 29 March 2026: London goes from 01:00 GMT straight to 02:00 BST; 01:30 does not exist.
    task = _daily(world_a, sync_interface, "01:30", now=datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    started = _tick_every_minute(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), datetime(2026, 3, 29, 3, 0, tzinfo=UTC))
    assert started == [datetime(2026, 3, 29, 1, 0, tzinfo=UTC)]  # 02:00 BST, the moment of the change
    with scope.disabled():
        assert ScheduledTask.objects.get(pk=task.pk).next_execution == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)


def test_the_command_prints_how_many_runs_it_started(world_a, sync_interface):
    _daily(world_a, sync_interface, "02:00", now=datetime(2027, 1, 10, 12, 0, tzinfo=UTC))
    out = io.StringIO()
    call_command("scheduler_tick", "--now", "2027-01-11T01:59:00Z", stdout=out)
    assert out.getvalue().strip() == "0 runs started (0 due tasks claimed, 0 skipped)."
    out = io.StringIO()
    call_command("scheduler_tick", "--now", "2027-01-11T02:00:30", stdout=out)  # no offset: UTC
    assert out.getvalue().strip() == "1 run started (1 due task claimed, 0 skipped)."
    out = io.StringIO()
    call_command("scheduler_tick", "--now", "2027-01-12T02:00:00+00:00", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"claimed": 1, "started": 0, "skipped": 1}  # the first run is still queued


def test_a_bad_now_is_a_usage_error():
    with pytest.raises(CommandError) as caught:
        call_command("scheduler_tick", "--now", "yesterday")
    assert caught.value.returncode == 2 and "ISO-8601" in str(caught.value)


def test_the_command_exits_2_on_a_usage_error_from_the_shell():
    result = subprocess.run([sys.executable, "manage.py", "scheduler_tick", "--now", "31/12/2026"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "is not an ISO-8601 date and time" in result.stderr
