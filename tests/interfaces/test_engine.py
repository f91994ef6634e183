from django.core.files.storage import default_storage

from finance.audit.models import Event
from finance.tenancy import scope
from interfaces import engine
from interfaces.models import ImportFile, Run, RunStatus
from interfaces.services import run_request
from interfaces.tasks import run_execute

from .conftest import make_interface


def _run(world, interface, **kwargs):
    with scope.activate(world.tenant):
        run = run_request(interface=interface, trigger="command", enqueue=False, **kwargs)
        return engine.execute(engine.run_for_pk(run.pk))


def test_a_clean_file_succeeds_with_counts_and_a_produced_file(world_a, csv_interface):
    run = _run(world_a, csv_interface, files=[("in.csv", b"name\nalpha\nbeta\n")])
    with scope.activate(world_a.tenant):
        assert run.status == RunStatus.SUCCEEDED
        assert (run.rows, run.created, run.errors) == (2, 2, 0)
        assert run.progress_done == 2 and run.finished_at is not None
        produced = ImportFile.objects.get(run=run, kind="produced")
        with default_storage.open(produced.stored_name, "rb") as handle:
            assert handle.read() == b"alpha\nbeta\n"
        assert Event.objects.filter(action="run.finished", run_ref=str(run.uuid)).exists()


def test_a_bad_row_completes_with_errors_and_keeps_the_cell(world_a, csv_interface):
    run = _run(world_a, csv_interface, files=[("in.csv", b"name\nalpha\nbad one\n")], options={"partial": "true"})
    with scope.activate(world_a.tenant):
        assert run.status == RunStatus.COMPLETED_WITH_ERRORS
        assert (run.rows, run.created, run.errors) == (2, 1, 1)
        messages = [(m.severity, m.row, m.column, m.value, m.message) for m in run.messages.all()]
        assert messages == [("error", 3, "name", "bad one", "This row is bad."),
                            ("warning", None, None, None, "Partial commits were asked for.")]


def test_an_unexpected_exception_fails_the_run_without_showing_its_detail(world_a, caplog):
    run = _run(world_a, make_interface(world_a.tenant, "test_boom"))
    with scope.activate(world_a.tenant):
        assert run.status == RunStatus.FAILED and run.rows == 1
        assert "unexpected error" in run.message and "secret internal detail" not in run.message
        assert "Traceback" not in run.message
    assert "secret internal detail" in caplog.text  # the log has the traceback


def test_a_run_error_fails_the_run_with_its_reason(world_a):
    run = _run(world_a, make_interface(world_a.tenant, "test_refused"))
    assert run.status == RunStatus.FAILED and run.message == "The remote system refused the credentials."


def test_a_cancel_request_stops_the_run_at_its_next_heartbeat(world_a):
    run = _run(world_a, make_interface(world_a.tenant, "test_cancel"))
    assert run.status == RunStatus.CANCELLED and (run.rows, run.created) == (1, 0)


def test_a_run_already_claimed_is_not_executed_twice(world_a, csv_interface):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, trigger="command", enqueue=False, files=[("a.csv", b"n\nx\n")])
        first = engine.execute(engine.run_for_pk(run.pk))
        second = engine.execute(engine.run_for_pk(run.pk))
        assert first.status == second.status == RunStatus.SUCCEEDED
        assert ImportFile.objects.filter(run=run, kind="produced").count() == 1


def test_the_task_retries_a_retryable_failure_and_then_succeeds(world_a, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    interface = make_interface(world_a.tenant, "test_flaky")
    with scope.activate(world_a.tenant):
        run = run_request(interface=interface, trigger="schedule", enqueue=False)
    run_execute.apply(kwargs={"tenant_id": world_a.tenant.pk, "run_id": run.pk})
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED and run.attempt == 2 and run.unchanged == 1
        assert Event.objects.filter(action="run.retrying", run_ref=str(run.uuid)).exists()


def test_the_task_runs_in_the_runs_tenant_only(world_a, world_b, csv_interface):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, trigger="schedule", enqueue=False, files=[("a.csv", b"n\nx\n")])
    run_execute.apply(kwargs={"tenant_id": world_b.tenant.pk, "run_id": run.pk})  # wrong tenant: not found
    with scope.activate(world_a.tenant):
        assert Run.objects.get(pk=run.pk).status == RunStatus.QUEUED
    run_execute.apply(kwargs={"tenant_id": world_a.tenant.pk, "run_id": run.pk})
    with scope.activate(world_a.tenant):
        assert Run.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED
