"""A real Celery worker executes a requested run of a test kind; the outcome is read from the
run ledger in the database."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from finance.tenancy import scope
from interfaces import kinds, services
from interfaces.models import Run, RunStatus

from ..factories import InterfaceFactory, TenantFactory
from ..interfaces import kinds_for_tests
from .test_celery_worker import ROOT, _database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run_worker(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    for kind in kinds_for_tests.KINDS:
        kinds.register(kind)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, DATABASE_URL=_database_url(), DEBUG=os.environ.get("DEBUG", "true"), MEDIA_ROOT=str(tmp_path),
               INTERFACES_EXTRA_KINDS="tests.interfaces.kinds_for_tests,tests.scheduler.kinds_for_tests")
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "finance", "worker", "--pool=solo", "-Q", queue, "-l", "info",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    yield queue, proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for kind in kinds_for_tests.KINDS:
        kinds.unregister(kind.key)


def test_a_real_worker_executes_a_requested_run_and_finishes_it_in_the_ledger(run_worker):
    queue, proc = run_worker
    tenant = TenantFactory(slug="run-worker")
    interface = InterfaceFactory(tenant=tenant, kind="test_csv", description="Worker CSV")
    with scope.activate(tenant):
        run = services.run_request(interface=interface, trigger="browser", files=[("in.csv", b"name\nalpha\nbad\n")],
                                   enqueue=False)
    services.run_enqueue(run=run, queue=queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the worker died:\n" + proc.stdout.read()
        with scope.activate(tenant):
            run.refresh_from_db()
        if not run.is_active:
            break
        time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail(f"the run is still {run.status} after 90 s:\n" + proc.communicate(timeout=20)[0])
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    assert (run.rows, run.created, run.errors, run.attempt) == (2, 1, 1, 1)
    with scope.activate(tenant):
        assert run.messages.get().row == 3
        assert run.files.filter(kind="produced").count() == 1
        assert Run.objects.count() == 1


def test_a_real_worker_executes_the_runs_a_scheduler_tick_queued(run_worker):
    from datetime import datetime, timedelta, timezone

    from scheduler import dispatch
    from scheduler.models import ScheduledTask
    from scheduler.services import task_create

    from ..factories import MembershipFactory
    from ..scheduler.kinds_for_tests import Sync

    queue, proc = run_worker
    kinds.register(Sync)
    tenant = TenantFactory(slug="tick-worker")
    owner = MembershipFactory(tenant=tenant, role="admin")
    start = datetime(2027, 1, 10, 12, 0, tzinfo=timezone.utc)
    with scope.activate(tenant):
        for i in range(3):
            interface = InterfaceFactory(tenant=tenant, kind="test_sync", description=f"Sync {i}")
            task_create(tenant=tenant, actor=owner.user, description=f"Task {i}", interface=interface,
                        pattern={"kind": "daily", "time": "02:00", "tz": "Europe/London"}, action="synchronise", now=start)
        due = ScheduledTask.objects.first().next_execution
    assert dispatch.tick(now=due + timedelta(seconds=5), enqueue=False)["started"] == 3
    with scope.activate(tenant):
        ids = list(Run.objects.values_list("pk", flat=True))
    # The tick's fan-out: one message for the environment, which the worker turns into one per run.
    services.runs_enqueue_many(by_tenant={tenant.pk: ids}, queue=queue)

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the worker died:\n" + proc.stdout.read()
        with scope.activate(tenant):
            statuses = set(Run.objects.values_list("status", flat=True))
        if statuses == {RunStatus.SUCCEEDED}:
            break
        time.sleep(0.5)
    else:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail(f"runs are {statuses} after 90 s:\n" + proc.communicate(timeout=20)[0])
    with scope.activate(tenant):
        assert Run.objects.filter(trigger="schedule", status=RunStatus.SUCCEEDED, attempt=1).count() == 3
    kinds.unregister(Sync.key)
