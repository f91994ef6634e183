"""A real Celery worker process, on the configured broker (filesystem by default, Redis in CI),
runs a task whose effect is then read from the configured database (SQLite or PostgreSQL)."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from finance.audit.models import Event
from finance.tenancy import scope
from finance.tenancy.tasks import worker_check

from ..factories import TenantFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _database_url():
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = dict(os.environ, DATABASE_URL=_database_url(), DEBUG=os.environ.get("DEBUG", "true"))
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


def test_a_real_worker_runs_a_tenant_task_and_its_effect_is_in_the_database(worker):
    queue, proc = worker
    tenant = TenantFactory(slug="worker-check")
    other = TenantFactory(slug="someone-else")
    token = uuid.uuid4().hex
    worker_check.apply_async(kwargs={"tenant_id": tenant.pk, "token": token}, queue=queue)

    deadline = time.monotonic() + 90
    found = None
    while time.monotonic() < deadline and found is None:
        assert proc.poll() is None, "the worker died:\n" + proc.stdout.read()
        with scope.activate(tenant):
            found = Event.objects.filter(action="worker.checked", after__token=token).first()
        if found is None:
            time.sleep(0.5)
    if found is None:
        os.killpg(proc.pid, signal.SIGTERM)
        pytest.fail("the worker did not run the task within 90 s:\n" + proc.communicate(timeout=20)[0])
    assert f"{queue}@" in found.message  # the worker's own hostname, so not an eager call
    with scope.activate(other):
        assert not Event.objects.filter(after__token=token).exists()
