"""The user who started a run is told when it ends: a notice in the environment and an e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from finance.notices.models import Notice
from finance.tenancy import scope
from finance.tenancy.models import Membership
from interfaces import engine, services
from interfaces.models import Interface, Run, RunStatus
from interfaces.services import run_request

pytestmark = pytest.mark.django_db

CLEAN = [("in.csv", b"name\nalpha\nbeta\n")]
ONE_BAD = [("in.csv", b"name\nalpha\nbad one\n")]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://finance.example.com"


def _execute(world, interface, *, actor, trigger="browser", files=(), capture):
    with scope.activate(world.tenant):
        run = run_request(interface=interface, actor=actor, trigger=trigger, files=files, enqueue=False)
        with capture(execute=True):
            return engine.execute(engine.run_for_pk(run.pk))


def _notices(world, user=None):
    with scope.activate(world.tenant):
        return list(Notice.objects.filter(user=user or world.owner.user))


def _seeded_notices(world):
    # The world fixture gives its owner one notice; the tests look at the ones a run adds.
    return [n for n in _notices(world) if n.pk != world.finance["notice"].pk]


@pytest.mark.parametrize(("kind", "files", "status", "level"), [
    ("test_csv", CLEAN, RunStatus.SUCCEEDED, "success"),
    ("test_csv", ONE_BAD, RunStatus.COMPLETED_WITH_ERRORS, "warning"),
    ("test_refused", (), RunStatus.FAILED, "danger"),
    ("test_cancel", (), RunStatus.CANCELLED, "info"),
])
def test_every_final_status_gives_the_user_who_started_the_run_a_notice_and_an_email(
        world_a, media, kind, files, status, level, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        Interface.objects.filter(pk=world_a.interface.pk).update(kind=kind)
        world_a.interface.refresh_from_db()
    run = _execute(world_a, world_a.interface, actor=world_a.owner.user, files=files, capture=django_capture_on_commit_callbacks)
    assert run.status == status

    (notice,) = _seeded_notices(world_a)
    label = RunStatus(status).label.lower()
    assert notice.level == level and notice.read_at is None
    assert notice.title == f"Contact import: {label}"
    assert notice.message == run.message
    assert notice.url == f"/alpha/runs/{run.uuid}/"

    (email,) = mail.outbox
    assert email.to == [world_a.owner.user.email]
    assert email.subject == f"[Alpha Trust] Contact import: {label}"
    assert f"has ended: {label}." in email.body
    assert run.message in email.body
    assert f"Rows: {run.rows}\n" in email.body and f"Failed: {run.errors}\n" in email.body
    assert f"https://finance.example.com/alpha/runs/{run.uuid}/" in email.body


@pytest.mark.parametrize("trigger", ["schedule", "command"])
def test_a_run_without_a_user_notifies_nobody(world_a, csv_interface, trigger, django_capture_on_commit_callbacks):
    run = _execute(world_a, csv_interface, actor=None, trigger=trigger, files=CLEAN, capture=django_capture_on_commit_callbacks)
    assert run.status == RunStatus.SUCCEEDED
    with scope.activate(world_a.tenant):
        assert Notice.objects.count() == 1  # the fixture's own
    assert mail.outbox == []


def test_the_email_is_sent_only_when_the_transaction_commits(world_a, csv_interface, django_capture_on_commit_callbacks):
    _execute(world_a, csv_interface, actor=world_a.owner.user, files=CLEAN, capture=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, actor=world_a.owner.user, trigger="browser", files=CLEAN, enqueue=False)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            engine.execute(engine.run_for_pk(run.pk))
    assert len(mail.outbox) == 1 and len(callbacks) == 1  # queued, not sent, until commit


def test_a_run_is_notified_once_even_if_finished_twice(world_a, csv_interface, django_capture_on_commit_callbacks):
    run = _execute(world_a, csv_interface, actor=world_a.owner.user, files=CLEAN, capture=django_capture_on_commit_callbacks)
    with scope.activate(world_a.tenant), django_capture_on_commit_callbacks(execute=True):
        assert services.run_finish(run=run, status=RunStatus.FAILED, message="late") is False
    assert len(_seeded_notices(world_a)) == 1 and len(mail.outbox) == 1


def test_a_run_failed_by_the_reconciler_notifies_its_user(world_a, csv_interface, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, actor=world_a.accountant.user, trigger="browser", files=CLEAN, enqueue=False)
        services.run_claim(run=run)
        Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with scope.disabled(), django_capture_on_commit_callbacks(execute=True):
        (failed,) = services.runs_reconcile_stale(older_than=timedelta(minutes=5))
    (notice,) = _notices(world_a, world_a.accountant.user)
    assert notice.level == "danger" and notice.title == "Test CSV import: failed"
    assert "no heartbeat" in notice.message and notice.url == f"/alpha/runs/{run.uuid}/"
    (email,) = mail.outbox
    assert email.to == [world_a.accountant.user.email] and email.subject == "[Alpha Trust] Test CSV import: failed"
    assert "no heartbeat for over 5 minutes" in email.body


def test_a_queued_run_cancelled_at_once_notifies_its_user(world_a, csv_interface, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, actor=world_a.accountant.user, trigger="browser", files=CLEAN, enqueue=False)
        with django_capture_on_commit_callbacks(execute=True):
            services.run_cancel(run=run, actor=world_a.owner.user)
    (notice,) = _notices(world_a, world_a.accountant.user)
    assert notice.title == "Test CSV import: cancelled" and notice.message == "Cancelled before it started."
    assert len(mail.outbox) == 1


def test_asking_a_running_run_to_stop_notifies_nobody_yet(world_a, csv_interface, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, actor=world_a.accountant.user, trigger="browser", files=CLEAN, enqueue=False)
        services.run_claim(run=run)
        with django_capture_on_commit_callbacks(execute=True):
            services.run_cancel(run=run, actor=world_a.owner.user)
    assert _notices(world_a, world_a.accountant.user) == [] and mail.outbox == []


def test_a_user_no_longer_active_in_the_environment_is_not_notified(world_a, csv_interface, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        run = run_request(interface=csv_interface, actor=world_a.accountant.user, trigger="browser", files=CLEAN, enqueue=False)
        Membership.objects.filter(pk=world_a.accountant.pk).update(is_active=False)
        with django_capture_on_commit_callbacks(execute=True):
            engine.execute(engine.run_for_pk(run.pk))
    assert _notices(world_a, world_a.accountant.user) == [] and mail.outbox == []


def test_a_failure_to_send_is_logged_and_never_fails_the_run(world_a, csv_interface, monkeypatch, caplog,
                                                             django_capture_on_commit_callbacks):
    def refuse(*args, **kwargs):
        raise OSError("mail server unreachable")

    monkeypatch.setattr(services, "send_mail", refuse)
    run = _execute(world_a, csv_interface, actor=world_a.owner.user, files=CLEAN, capture=django_capture_on_commit_callbacks)
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
    assert len(_seeded_notices(world_a)) == 1
    assert f"Could not send the end-of-run e-mail of run {run.uuid}" in caplog.text


def test_a_failure_to_notify_never_undoes_the_end_of_the_run(world_a, csv_interface, monkeypatch, caplog,
                                                            django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise RuntimeError("notices are broken")

    monkeypatch.setattr(services, "notice_create", broken)
    run = _execute(world_a, csv_interface, actor=world_a.owner.user, files=CLEAN, capture=django_capture_on_commit_callbacks)
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.SUCCEEDED
    assert mail.outbox == [] and "Could not notify the user who requested run" in caplog.text
