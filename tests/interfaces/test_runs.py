import hashlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from finance.audit.models import Event
from finance.tenancy import scope
from interfaces import services
from interfaces.models import ImportFile, Run, RunStatus
from interfaces.services import RunRequestError, run_request

from ..factories import InterfaceFactory, TenantFactory
from .conftest import make_interface


def _request(world, interface, **kwargs):
    kwargs.setdefault("files", [("data.csv", b"name\nalpha\n")])
    with scope.activate(world.tenant):
        return run_request(interface=interface, actor=world.owner.user, trigger="browser", **kwargs)


def test_a_request_stores_its_files_and_queues_a_run_enqueued_on_commit(world_a, csv_interface, monkeypatch,
                                                                          django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(services, "run_enqueue", lambda *, run: sent.append(run.pk))
    with django_capture_on_commit_callbacks(execute=True):
        run = _request(world_a, csv_interface, options={"partial": "yes"})
    assert sent == [run.pk]
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.QUEUED and run.trigger == "browser" and run.triggered_by == world_a.owner.user
        assert run.options == {"partial": "yes"}
        (stored,) = ImportFile.objects.filter(run=run)
        assert stored.kind == "input" and stored.size == 11
        assert stored.sha256 == hashlib.sha256(b"name\nalpha\n").hexdigest()
        assert Event.objects.filter(action="run.requested", run_ref=str(run.uuid), interface=csv_interface).exists()


@pytest.mark.parametrize("kwargs, message", [
    ({"action": "synchronise"}, "Test CSV cannot 'synchronise'"),
    ({"options": {"dateformat": "x"}}, "Unknown option 'dateformat' for Test CSV"),
    ({"options": {"partial": "x"}}, "Invalid value 'x' for option partial"),
    ({"files": []}, "Test CSV needs a file to import."),
])
def test_a_bad_request_gets_a_one_line_message_and_queues_nothing(world_a, csv_interface, kwargs, message):
    with scope.activate(world_a.tenant):
        files_before = ImportFile.objects.count()
    with pytest.raises(RunRequestError, match=message):
        _request(world_a, csv_interface, **kwargs)
    with scope.activate(world_a.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists() and ImportFile.objects.count() == files_before


def test_a_disabled_interface_cannot_be_run(world_a, media):
    interface = InterfaceFactory(tenant=world_a.tenant, kind="test_csv", enabled=False, description="Off")
    with pytest.raises(RunRequestError, match="Off is disabled"):
        _request(world_a, interface)


def test_a_rejected_file_leaves_no_run_and_no_bytes_behind(world_a, csv_interface, media):
    with pytest.raises(RunRequestError, match="is empty"):
        _request(world_a, csv_interface, files=[("a.csv", b"x\n"), ("b.csv", b"")])
    with scope.activate(world_a.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists()
    assert not any(p.is_file() for p in media.rglob("*"))


def test_a_second_request_while_one_is_active_is_refused_with_who_started_it(world_a, csv_interface):
    first = _request(world_a, csv_interface)
    with pytest.raises(RunRequestError) as caught:
        _request(world_a, csv_interface)
    assert str(caught.value) == (f"Test CSV import is already running (run {first.short_id}, "
                                 f"started by {world_a.owner.user.email}).")
    with scope.activate(world_a.tenant):
        assert services.run_claim(run=first)
        services.run_finish(run=first, status=RunStatus.SUCCEEDED)
    assert _request(world_a, csv_interface).pk != first.pk  # finished: may be requested again


def test_another_tenants_active_run_does_not_block(world_a, world_b, csv_interface):
    _request(world_a, csv_interface)
    other = InterfaceFactory(tenant=world_b.tenant, kind="test_csv", description="Test CSV import")
    assert _request(world_b, other).tenant == world_b.tenant


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_give_exactly_one_active_run(settings, tmp_path, test_kinds):
    settings.MEDIA_ROOT = tmp_path
    tenant = TenantFactory(slug="race")
    interface = make_interface(tenant, "test_csv", "Race")
    barrier, results = threading.Barrier(2), []

    def request():
        try:
            barrier.wait()
            with scope.activate(tenant):
                results.append(run_request(interface=interface, trigger="schedule", files=[("a.csv", b"a\nb\n")],
                                           enqueue=False))
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    runs = [r for r in results if isinstance(r, Run)]
    refusals = [r for r in results if isinstance(r, RunRequestError)]
    assert len(runs) == 1 and len(refusals) == 1, results
    assert str(refusals[0]) == f"Race is already running (run {runs[0].short_id}, started by the scheduler)."
    with scope.activate(tenant):
        assert Run.objects.filter(status__in=["queued", "running"]).count() == 1


def test_only_the_first_claim_wins(world_a, csv_interface):
    run = _request(world_a, csv_interface)
    with scope.activate(world_a.tenant):
        assert services.run_claim(run=run) is True
        assert services.run_claim(run=Run.objects.get(pk=run.pk)) is False
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and run.attempt == 1 and run.started_at is not None


def test_a_stale_running_run_is_failed_and_the_interface_freed(world_a, csv_interface):
    run = _request(world_a, csv_interface)
    fresh = _request(world_a, make_interface(world_a.tenant, "test_csv", "Fresh"))
    with scope.activate(world_a.tenant):
        services.run_claim(run=run)
        services.run_claim(run=fresh)
        Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    with scope.disabled():
        failed = services.runs_reconcile_stale(older_than=timedelta(minutes=5))
    assert [r.pk for r in failed] == [run.pk]
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        fresh.refresh_from_db()
        assert run.status == RunStatus.FAILED and "no heartbeat for over 5 minutes" in run.message
        assert "can be requested again" in run.message
        assert fresh.status == RunStatus.RUNNING
        assert Event.objects.filter(action="run.reconciled", run_ref=str(run.uuid)).exists()
    _request(world_a, csv_interface)


def test_the_reconcile_task_sees_every_tenant(world_a, world_b, csv_interface):
    from interfaces.tasks import runs_reconcile

    run = _request(world_a, csv_interface)
    with scope.activate(world_a.tenant):
        services.run_claim(run=run)
        Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert runs_reconcile.apply().get() == 1


def test_a_queued_run_is_cancelled_at_once(world_a, csv_interface):
    run = _request(world_a, csv_interface)
    with scope.activate(world_a.tenant):
        services.run_cancel(run=run, actor=world_a.owner.user)
        assert run.status == RunStatus.CANCELLED and run.finished_at is not None
        with pytest.raises(RunRequestError, match="already finished"):
            services.run_cancel(run=run, actor=world_a.owner.user)


def test_a_running_run_is_asked_to_stop(world_a, csv_interface):
    run = _request(world_a, csv_interface)
    with scope.activate(world_a.tenant):
        services.run_claim(run=run)
        services.run_cancel(run=run, actor=world_a.owner.user)
        assert run.status == RunStatus.RUNNING and run.cancel_requested
        assert services.run_heartbeat(run=run) is True


def test_a_queued_run_nobody_claimed_is_sent_again(world_a, csv_interface, monkeypatch):
    sent = []
    monkeypatch.setattr(services, "run_enqueue", lambda *, run, **_: sent.append(run.pk))  # the broker's edge
    lost = _request(world_a, csv_interface)
    young = _request(world_a, make_interface(world_a.tenant, "test_csv", "Young"))
    with scope.activate(world_a.tenant):
        Run.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    with scope.disabled():
        resent = services.runs_resend_lost(older_than=timedelta(minutes=5))
    assert [r.pk for r in resent] == sent == [lost.pk]
    assert young.pk not in sent
