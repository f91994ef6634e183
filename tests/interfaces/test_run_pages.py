"""The Run page, the run's cancel and run-again buttons, and the messages CSV."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.tenancy import scope
from interfaces import services
from interfaces.models import ImportFile, Run, RunStatus

pytestmark = pytest.mark.django_db


def run_form_url(interface, slug="alpha"):
    return reverse("interfaces:run_form", kwargs={"tenant_slug": slug, "interface_id": interface.uuid})


def run_url(run, name="run"):
    return reverse(f"interfaces:{name}", kwargs={"tenant_slug": "alpha", "run_id": run.uuid})


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def upload(text, name="people.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_run_page_offers_the_kinds_actions_files_and_its_settings(accountant_client, csv_interface):
    html = accountant_client.get(run_form_url(csv_interface) + "?action=run").content.decode()
    assert 'type="file"' in html and "multiple" in html and 'value="validate"' in html
    assert 'name="opt_partial"' in html and 'name="opt_limit"' in html


def test_running_from_the_browser_stores_the_file_runs_it_and_shows_the_result(
        accountant_client, world_a, csv_interface, eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = accountant_client.post(run_form_url(csv_interface), {
            "action": "run", "files": [upload("name\nann\nbad bob\ncy\n")], "opt_partial": "on", "opt_limit": "0",
        })
    with scope.activate(world_a.tenant):
        run = Run.objects.get(interface=csv_interface)
        assert response.status_code == 302 and response["Location"] == run_url(run)
        assert run.status == RunStatus.COMPLETED_WITH_ERRORS and run.created == 2 and run.errors == 1
        assert run.options == {"partial": True}, "only what differs from the interface's settings is stored"
        assert run.triggered_by == world_a.accountant.user and run.trigger == "browser"
    html = accountant_client.get(run_url(run)).content.decode()
    assert "Completed with errors" in html and "This row is bad." in html and "names.txt" in html
    assert "Download errors (CSV)" in html and 'hx-trigger="every 2s"' not in html


def test_a_second_run_while_one_is_active_is_refused_with_a_clear_message(accountant_client, world_a, csv_interface):
    first = accountant_client.post(run_form_url(csv_interface), {"action": "run", "files": [upload("name\na\n")]})
    second = accountant_client.post(run_form_url(csv_interface), {"action": "run", "files": [upload("name\nb\n")]})
    assert first.status_code == 302
    assert second.status_code == 409 and "Test CSV import is already running" in second.content.decode()
    with scope.activate(world_a.tenant):
        assert Run.objects.filter(interface=csv_interface).count() == 1
        assert ImportFile.objects.filter(interface=csv_interface).count() == 1, "the refused file was not kept"
    page = accountant_client.get(run_form_url(csv_interface)).content.decode()
    assert "A run of this interface is queued" in page


@pytest.mark.parametrize("data, message", [
    ({"action": "run"}, "Test CSV needs a file to import."),
    ({"action": "explode"}, "Select a valid choice"),
    ({"action": "run", "opt_limit": "many"}, "Enter a whole number."),
])
def test_bad_run_requests_get_a_message_and_no_run(accountant_client, world_a, csv_interface, data, message):
    response = accountant_client.post(run_form_url(csv_interface), data)
    assert response.status_code == 400 and message in response.content.decode()
    with scope.activate(world_a.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists()


def test_an_empty_or_binary_upload_is_refused_with_its_name(accountant_client, world_a, csv_interface):
    empty = accountant_client.post(run_form_url(csv_interface), {"action": "run", "files": [upload("", "empty.csv")]})
    assert empty.status_code == 400 and "&#x27;empty.csv&#x27; is empty; there is nothing to import." in empty.content.decode()
    binary = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00", content_type="text/csv")
    response = accountant_client.post(run_form_url(csv_interface), {"action": "run", "files": [binary]})
    assert response.status_code == 400 and "&#x27;photo.csv&#x27; is not a text file" in response.content.decode()
    with scope.activate(world_a.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists()


def test_cancel_from_the_run_page(accountant_client, viewer_client, world_a, csv_interface):
    with scope.activate(world_a.tenant):
        run = services.run_request(interface=csv_interface, trigger="browser", files=[("a.csv", b"n\na\n")], enqueue=False)
    html = accountant_client.get(run_url(run)).content.decode()
    assert "Cancel run" in html and 'hx-trigger="every 2s"' in html
    assert "Cancel run" not in viewer_client.get(run_url(run)).content.decode()
    assert viewer_client.post(run_url(run, "run_cancel")).status_code == 403
    response = accountant_client.post(run_url(run, "run_cancel"), follow=True)
    assert "The run was cancelled." in response.content.decode()
    with scope.activate(world_a.tenant):
        run.refresh_from_db()
        assert run.status == RunStatus.CANCELLED
    again = accountant_client.post(run_url(run, "run_cancel"), follow=True).content.decode()
    assert "has already finished (cancelled)" in again


def test_the_status_poll_reloads_the_page_when_the_run_has_ended(accountant_client, world_a, csv_interface):
    run = world_a.finance["run"]
    response = accountant_client.get(run_url(run), {"part": "status"}, headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


def test_run_again_reuses_the_input_files(accountant_client, world_a, csv_interface, eager, django_capture_on_commit_callbacks):
    with scope.activate(world_a.tenant):
        run = services.run_request(interface=csv_interface, trigger="browser", files=[("a.csv", b"name\nann\n")], enqueue=False)
        services.run_claim(run=run)
        services.run_finish(run=run, status=RunStatus.FAILED, message="The worker stopped.")
    html = accountant_client.get(run_url(run)).content.decode()
    assert "Run again" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = accountant_client.post(run_url(run, "run_again"))
    with scope.activate(world_a.tenant):
        new = Run.objects.exclude(pk=run.pk).get(interface=csv_interface)
        assert response["Location"] == run_url(new)
        assert new.status == RunStatus.SUCCEEDED and new.created == 1
        old_file, new_file = ImportFile.objects.filter(kind="input", interface=csv_interface).order_by("id")
        assert new_file.run == new and new_file.sha256 == old_file.sha256 and new_file.stored_name != old_file.stored_name


def test_the_messages_csv_lists_every_message_and_neutralises_formulas(viewer_client, world_a, csv_interface):
    with scope.activate(world_a.tenant):
        run = services.run_request(interface=csv_interface, trigger="command", files=[("a.csv", b"n\na\n")], enqueue=False)
        services.run_messages_add(run=run, messages=[
            {"severity": "error", "row": 2, "column": "name", "value": "=HYPERLINK(1)", "message": "Bad name"},
            {"severity": "warning", "message": "Whole-file warning"},
        ])
    response = viewer_client.get(run_url(run, "run_messages_csv"))
    assert response["Content-Disposition"].startswith('attachment; filename="Test CSV import-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows == [["row", "column", "value", "message", "severity"], ["2", "name", "'=HYPERLINK(1)", "Bad name", "error"],
                    ["", "", "", "Whole-file warning", "warning"]]


def test_another_environments_run_pages_are_not_found(outsider_client, world_a):
    run = world_a.finance["run"]
    assert outsider_client.get(run_url(run, "run_messages_csv")).status_code == 404
    for name in ("run_cancel", "run_again"):
        assert outsider_client.post(run_url(run, name)).status_code == 404


def test_an_upload_over_the_limit_is_refused_before_it_is_read(accountant_client, world_a, csv_interface, settings):
    settings.IMPORT_MAX_BYTES = 1024
    big = upload("name\n" + "x" * 200_000 + "\n", "big.csv")
    response = accountant_client.post(run_form_url(csv_interface), {"action": "run", "files": [big]})
    assert response.status_code == 413 and "The upload is larger than the 1 KB limit" in response.content.decode()
    with scope.activate(world_a.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists()


@pytest.fixture
def tabular_interface(world_a, media):
    from .conftest import make_interface

    return make_interface(world_a.tenant, "test_tabular", "Categories file")


def test_validate_then_import_the_same_file(accountant_client, world_a, tabular_interface, eager,
                                            django_capture_on_commit_callbacks):
    from finance.contacts.models import NoteCategory

    with django_capture_on_commit_callbacks(execute=True):
        response = accountant_client.post(run_form_url(tabular_interface), {
            "action": "run", "mode": "validate", "files": [upload("code,name\nT1,One\nT2,Two\n")]})
    with scope.activate(world_a.tenant):
        check = Run.objects.get(interface=tabular_interface)
        assert check.dry_run and check.status == RunStatus.SUCCEEDED and check.created == 2
        assert not NoteCategory.objects.filter(code__in=["T1", "T2"]).exists()
    html = accountant_client.get(response["Location"]).content.decode()
    assert "validation only: nothing was written" in html and "Import this file" in html
    with django_capture_on_commit_callbacks(execute=True):
        submitted = accountant_client.post(run_url(check, "run_submit"))
    with scope.activate(world_a.tenant):
        real = Run.objects.exclude(pk=check.pk).get(interface=tabular_interface)
        assert submitted["Location"] == run_url(real)
        assert not real.dry_run and real.status == RunStatus.SUCCEEDED and real.created == 2
        assert set(NoteCategory.objects.filter(code__in=["T1", "T2"]).values_list("name", flat=True)) == {"One", "Two"}
    assert "Import this file" not in accountant_client.get(run_url(real)).content.decode()
    assert accountant_client.post(run_url(real, "run_submit"), follow=True).content.decode().count(
        "Only a finished validation can be submitted.") == 1


def test_retry_failed_rows_imports_only_those(accountant_client, world_a, tabular_interface, eager,
                                              django_capture_on_commit_callbacks):
    from finance.contacts.models import NoteCategory

    with django_capture_on_commit_callbacks(execute=True):
        accountant_client.post(run_form_url(tabular_interface), {
            "action": "run", "opt_partial": "on", "files": [upload("code,name,amount\nT1,One,\nT2,Two,x\n")]})
    with scope.activate(world_a.tenant):
        first = Run.objects.get(interface=tabular_interface)
        assert first.status == RunStatus.COMPLETED_WITH_ERRORS and first.created == 1
    html = accountant_client.get(run_url(first)).content.decode()
    assert "Retry failed rows" in html and "Categories file - failed rows.csv" not in html
    assert "Test tabular file - failed rows.csv" in html
    with django_capture_on_commit_callbacks(execute=True):
        accountant_client.post(run_url(first, "run_retry_failed"))
    with scope.activate(world_a.tenant):
        retry = Run.objects.exclude(pk=first.pk).get(interface=tabular_interface)
        assert retry.rows == 1 and retry.errors == 1, "only the failed row was read again (still failing)"
        assert retry.files.get(kind="input").original_name == "Test tabular file - failed rows.csv"
        assert NoteCategory.objects.filter(code="T1").count() == 1
    no_failed = accountant_client.post(run_url(world_a.finance["run"], "run_retry_failed"), follow=True)
    assert "This run has no failed rows to retry." in no_failed.content.decode()


def test_another_environments_submit_and_retry_are_not_found(outsider_client, world_a):
    run = world_a.finance["run"]
    for name in ("run_submit", "run_retry_failed"):
        assert outsider_client.post(run_url(run, name)).status_code == 404
