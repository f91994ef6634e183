import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from finance.tenancy import scope
from interfaces.models import Run, RunStatus

from .conftest import make_interface


def _call(*args):
    """(exit code, stdout) of run_interface; usage errors come back as (2, message)."""
    out = StringIO()
    try:
        call_command("run_interface", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="in.csv"):
        path = tmp_path / name
        path.write_bytes(text.encode())
        return str(path)
    return write


def test_a_clean_run_prints_one_json_object_and_exits_0(csv_interface, csv_file):
    code, out = _call("--tenant", "alpha", "--interface", "test csv import", "--file", csv_file("name\na\nb\n"), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["status"] == "succeeded" and report["interface"] == "Test CSV import"
    assert report["counts"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0, "skipped": 0,
                                "duplicates": 0, "errors": 0}
    assert report["errors"] == [] and report["warnings"] == []
    assert report["files"] == [f"Imports/{report['run']}/names.txt"]
    with scope.activate(csv_interface.tenant):
        run = Run.objects.get(uuid=report["run"])
        assert run.trigger == "command" and run.status == RunStatus.SUCCEEDED


def test_errors_in_the_file_exit_1_with_each_cell_listed(csv_interface, csv_file):
    code, out = _call("--tenant", "alpha", "--interface", "Test CSV import", "--file", csv_file("name\nbad\nok\n"),
                      "--option", "partial=yes", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["status"] == "completed_with_errors" and report["counts"]["errors"] == 1
    assert report["errors"] == [{"row": 2, "column": "name", "value": "bad", "message": "This row is bad."}]
    assert report["warnings"][0]["message"] == "Partial commits were asked for."


def test_a_failed_run_exits_1(world_a):
    make_interface(world_a.tenant, "test_refused", "Remote")
    code, out = _call("--tenant", "alpha", "--interface", "Remote", "--json")
    assert code == 1 and json.loads(out)["status"] == "failed"


def test_the_human_output_names_the_status_and_the_bad_cell(csv_interface, csv_file):
    code, out = _call("--tenant", "alpha", "--interface", "Test CSV import", "--file", csv_file("name\nbad\n"))
    assert code == 1
    assert "completed_with_errors" in out and "Error (row 2, name): This row is bad. [bad]" in out


@pytest.mark.parametrize("args, message", [
    (["--tenant", "nowhere", "--interface", "Test CSV import"], "Unknown environment 'nowhere'"),
    (["--tenant", "alpha", "--interface", "Nothing"], "Unknown interface 'Nothing' in environment 'alpha'"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--file", "missing.csv"], "File not found: missing.csv"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--option", "dateformat=x"],
     "Unknown option 'dateformat' for Test CSV"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--option", "partial=x"], "Invalid value 'x' for option partial"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--option", "partial"], "Options are KEY=VALUE"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--since", "01/02/2025"], "Invalid date '01/02/2025'"),
    (["--tenant", "alpha", "--interface", "Test CSV import", "--action", "synchronise"], "cannot 'synchronise'"),
])
def test_usage_and_configuration_errors_exit_2_with_one_line(csv_interface, args, message):
    code, text = _call(*args)
    assert code == 2 and message in text and "\n" not in text
    with scope.activate(csv_interface.tenant):
        assert not Run.objects.filter(interface=csv_interface).exists()


def test_another_tenants_interface_is_unknown(world_a, world_b, media, csv_file):
    make_interface(world_b.tenant, "test_csv", "Bravo only")
    code, text = _call("--tenant", "alpha", "--interface", "Bravo only", "--file", csv_file("n\nx\n"))
    assert code == 2 and text == "Unknown interface 'Bravo only' in environment 'alpha'"


def test_a_run_already_active_exits_2_and_says_so(csv_interface, csv_file):
    with scope.activate(csv_interface.tenant):
        from interfaces.services import run_request

        run = run_request(interface=csv_interface, trigger="schedule", files=[("a.csv", b"n\nx\n")], enqueue=False)
    code, text = _call("--tenant", "alpha", "--interface", "Test CSV import", "--file", csv_file("n\nx\n"))
    assert code == 2
    assert text == f"Test CSV import is already running (run {run.short_id}, started by the scheduler)."


def test_a_binary_file_exits_2(csv_interface, tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00")
    code, text = _call("--tenant", "alpha", "--interface", "Test CSV import", "--file", str(path))
    assert code == 2 and "'book.xlsx' is not a text file" in text


@pytest.mark.django_db(transaction=True)
def test_the_real_command_exits_with_its_codes_and_writes_errors_to_stderr(settings, tmp_path, test_kinds):
    import os
    import subprocess
    import sys

    from ..factories import TenantFactory
    from ..integration.test_celery_worker import _database_url

    make_interface(TenantFactory(slug="shell"), "test_csv", "Shell import")
    env = dict(os.environ, DATABASE_URL=_database_url(), MEDIA_ROOT=str(tmp_path),
               INTERFACES_EXTRA_KINDS="tests.interfaces.kinds_for_tests")

    def run(*args):
        return subprocess.run([sys.executable, "manage.py", "run_interface", *args], cwd=settings.BASE_DIR, env=env,
                              capture_output=True, text=True, timeout=120)

    unknown = run("--tenant", "no-such-env", "--interface", "X", "--json")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.strip().endswith("Unknown environment 'no-such-env'")
    data = tmp_path / "in.csv"
    data.write_text("name\nalpha\n")
    ok = run("--tenant", "shell", "--interface", "Shell import", "--file", str(data), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["counts"]["created"] == 1
