"""What the bank statement tests share: the seeded demo environment, running an interface through
`run_interface --json`, and reading a run's produced file and the stored lines."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from finance.banking.models import BankStatementLine
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces.models import ImportFile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
PRODUCED = "Bank statement file import.csv"


@pytest.fixture
def demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="demo")


def run_file(tmp_path, interface, content, *args, name="statement.csv"):
    """`run_interface --json` on `content` (bytes or text); the report as a dict."""
    folder = tmp_path / f"in-{len(list(tmp_path.glob('in-*')))}"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = io.StringIO()
    try:
        call_command("run_interface", "--tenant", "demo", "--interface", interface, "--file", str(path), "--json", *args,
                     stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
    return json.loads(out.getvalue())


def errors(report):
    return [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]


def warnings(report):
    return [w["message"] for w in report["warnings"]]


def produced(report, tenant, name=PRODUCED):
    with scope.activate(tenant):
        record = ImportFile.objects.get(run__uuid=report["run"], kind="produced", original_name=name)
        with default_storage.open(record.stored_name, "rb") as handle:
            return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def lines(tenant, account):
    """The stored lines of a bank account in stored order (date, then seq)."""
    with scope.activate(tenant):
        return list(BankStatementLine.objects.filter(bank_account__code=account).order_by("date", "seq"))
