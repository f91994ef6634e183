"""How long the Imports folder keeps its files: the setting, its page, and the nightly purge."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from finance.audit.models import Event
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces import services
from interfaces.models import ImportFile, Run
from interfaces.services import import_file_store, import_files_purge, imports_retention_set

pytestmark = pytest.mark.django_db
FOLDER = "/alpha/imports/"
SETTINGS = "/alpha/imports/settings/"


def _tenant(world):
    return Tenant.objects.get(pk=world.tenant.pk)


# --- The setting and its page ---------------------------------------------------------------------

def test_the_folder_shows_the_retention_and_links_its_settings_for_admins(owner_client, viewer_client, accountant_client, world_a):
    html = owner_client.get(FOLDER).content.decode()
    assert "Files older than 365 days are removed nightly." in html
    assert f'href="{SETTINGS}"' in html
    for client in (viewer_client, accountant_client):
        html = client.get(FOLDER).content.decode()
        assert "Files older than 365 days are removed nightly." in html and SETTINGS not in html


def test_zero_days_keeps_files_forever(owner_client, world_a):
    with scope.activate(world_a.tenant):
        imports_retention_set(tenant=world_a.tenant, actor=world_a.owner.user, days=0)
    assert "Files are kept forever." in owner_client.get(FOLDER).content.decode()


def test_the_settings_page_needs_interfaces_configure(viewer_client, accountant_client):
    assert viewer_client.get(SETTINGS).status_code == 403
    assert accountant_client.post(SETTINGS, {"days": "30"}).status_code == 403


def test_an_admin_changes_the_retention_and_the_event_log_keeps_before_and_after(owner_client, world_a):
    html = owner_client.get(SETTINGS).content.decode()
    assert 'name="days"' in html and 'value="365"' in html
    response = owner_client.post(SETTINGS, {"days": "30"})
    assert response.status_code == 302 and response["Location"] == FOLDER
    assert _tenant(world_a).imports_retention_days == 30
    with scope.activate(world_a.tenant):
        event = Event.objects.get(action="imports.retention_set")
    assert event.before == {"imports_retention_days": 365} and event.after == {"imports_retention_days": 30}
    assert event.user == world_a.owner.user
    assert "Files older than 30 days are removed nightly." in owner_client.get(FOLDER).content.decode()


@pytest.mark.parametrize("value", ["-1", "3651", "abc", "", "1.5", "99999999999999999999"])
def test_a_bad_value_gets_a_clear_message_and_changes_nothing(owner_client, world_a, value):
    response = owner_client.post(SETTINGS, {"days": value})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a whole number of days from 0 to 3650 (0 keeps files forever)." in html
    assert 'aria-invalid="true"' in html
    assert _tenant(world_a).imports_retention_days == 365
    with scope.activate(world_a.tenant):
        assert not Event.objects.filter(action="imports.retention_set").exists()


@pytest.mark.parametrize("days", [0, 3650])
def test_the_limits_are_accepted(owner_client, world_a, days):
    assert owner_client.post(SETTINGS, {"days": str(days)}).status_code == 302
    assert _tenant(world_a).imports_retention_days == days


def test_the_service_refuses_out_of_range_and_records_nothing_when_nothing_changes(world_a):
    with scope.activate(world_a.tenant):
        for bad in (-1, 3651, "30", True, None):
            with pytest.raises(ValidationError):
                imports_retention_set(tenant=world_a.tenant, actor=None, days=bad)
        imports_retention_set(tenant=world_a.tenant, actor=None, days=365)
        assert not Event.objects.filter(action="imports.retention_set").exists()


# --- The purge ------------------------------------------------------------------------------------

def _file(world, name, *, age_days, run=None, content=b"a,b\n1,2\n"):
    with scope.activate(world.tenant):
        record = import_file_store(tenant=world.tenant, interface=world.interface, run=run, kind="input",
                                   name=name, content=content, actor=None)
        ImportFile.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return record


def _run(world, status, description):
    from .conftest import make_interface

    with scope.activate(world.tenant):
        return Run.objects.create(tenant=world.tenant, interface=make_interface(world.tenant, "test_csv", description),
                                  trigger="browser", status=status)


def _names(world):
    with scope.activate(world.tenant):
        return set(ImportFile.objects.values_list("original_name", flat=True))


def test_the_purge_removes_old_files_and_their_bytes_but_keeps_recent_ones_and_active_runs(
        world_a, world_b, django_capture_on_commit_callbacks):
    old_loose = _file(world_a, "old-loose.csv", age_days=400, content=b"x" * 100)
    old_done = _file(world_a, "old-done.csv", age_days=366, run=_run(world_a, "succeeded", "Done"), content=b"y" * 50)
    old_queued = _file(world_a, "old-queued.csv", age_days=400, run=_run(world_a, "queued", "Waiting"))
    old_running = _file(world_a, "old-running.csv", age_days=400, run=_run(world_a, "running", "Busy"))
    young = _file(world_a, "young.csv", age_days=364)
    foreign_old = _file(world_b, "bravo-old.csv", age_days=400)

    with scope.activate(world_a.tenant), django_capture_on_commit_callbacks(execute=True):
        assert import_files_purge(tenant=world_a.tenant) == (2, 150)

    assert _names(world_a) == {"alpha-contacts.csv", "old-queued.csv", "old-running.csv", "young.csv"}
    for gone in (old_loose, old_done):
        assert not default_storage.exists(gone.stored_name)
    for kept in (old_queued, old_running, young, foreign_old, world_a.finance["file"]):
        assert default_storage.exists(kept.stored_name)
    assert "bravo-old.csv" in _names(world_b)
    with scope.activate(world_a.tenant):
        (event,) = Event.objects.filter(action="imports.purged")
    assert event.after["files"] == 2 and event.after["bytes"] == 150 and event.after["retention_days"] == 365
    assert event.message == "2 files (150 bytes) older than 365 days removed from the Imports folder."
    assert event.actor == "system"


def test_the_bytes_stay_until_the_rows_removal_commits(world_a, django_capture_on_commit_callbacks):
    old = _file(world_a, "old.csv", age_days=400)
    with scope.activate(world_a.tenant), django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_files_purge(tenant=world_a.tenant)
    assert default_storage.exists(old.stored_name) and len(callbacks) == 1
    callbacks[0]()
    assert not default_storage.exists(old.stored_name)


def test_nothing_to_remove_records_nothing(world_a):
    _file(world_a, "young.csv", age_days=10)
    with scope.activate(world_a.tenant):
        assert import_files_purge(tenant=world_a.tenant) == (0, 0)
        assert not Event.objects.filter(action="imports.purged").exists()


def test_zero_days_keeps_everything(world_a):
    old = _file(world_a, "ancient.csv", age_days=5000)
    with scope.activate(world_a.tenant):
        imports_retention_set(tenant=world_a.tenant, actor=None, days=0)
        assert import_files_purge(tenant=world_a.tenant) == (0, 0)
    assert default_storage.exists(old.stored_name) and "ancient.csv" in _names(world_a)


def test_now_can_be_given(world_a):
    _file(world_a, "recent.csv", age_days=5)
    with scope.activate(world_a.tenant):
        imports_retention_set(tenant=world_a.tenant, actor=None, days=1)
        assert import_files_purge(tenant=world_a.tenant, now=timezone.now() - timedelta(days=30)) == (0, 0)
        assert import_files_purge(tenant=world_a.tenant)[0] == 1


def test_a_file_the_storage_cannot_delete_does_not_stop_the_others(world_a, monkeypatch, caplog, django_capture_on_commit_callbacks):
    first = _file(world_a, "first.csv", age_days=400)
    second = _file(world_a, "second.csv", age_days=400)
    real_delete = default_storage.delete

    def delete(name):
        if name == first.stored_name:
            raise OSError("disk says no")
        real_delete(name)

    monkeypatch.setattr(default_storage, "delete", delete)
    with scope.activate(world_a.tenant), django_capture_on_commit_callbacks(execute=True):
        assert import_files_purge(tenant=world_a.tenant)[0] == 2
    assert not default_storage.exists(second.stored_name)
    assert f"Could not delete {first.stored_name}" in caplog.text


def test_the_nightly_task_purges_every_environment_and_is_scheduled(world_a, world_b, django_capture_on_commit_callbacks):
    from interfaces.tasks import import_files_purge as task

    _file(world_a, "a-old.csv", age_days=400)
    _file(world_b, "b-old.csv", age_days=400)
    kept = _file(world_b, "b-kept.csv", age_days=400)  # B keeps files forever
    with scope.activate(world_b.tenant):
        imports_retention_set(tenant=world_b.tenant, actor=None, days=0)
    with django_capture_on_commit_callbacks(execute=True):
        assert task.apply().get() == 1
    assert "a-old.csv" not in _names(world_a) and {"b-old.csv", "b-kept.csv"} <= _names(world_b)
    assert default_storage.exists(kept.stored_name)
    entry = settings.CELERY_BEAT_SCHEDULE["interfaces-import-files-purge"]
    assert entry["task"] == "interfaces.import_files_purge" == task.name


def test_one_environments_failure_does_not_stop_the_others(world_a, world_b, monkeypatch, caplog):
    from interfaces.tasks import import_files_purge as task

    _file(world_b, "b-old.csv", age_days=400)
    real = services.import_files_purge

    def purge(*, tenant, now=None):
        if tenant.pk == world_a.tenant.pk:
            raise RuntimeError("storage offline")
        return real(tenant=tenant, now=now)

    monkeypatch.setattr(services, "import_files_purge", purge)
    assert task.apply().get() == 1
    assert "Purging the Imports folder of alpha failed" in caplog.text
