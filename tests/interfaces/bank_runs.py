"""Running a bank statement interface of the seeded demo environment from a test, as
`run_interface --json` does, and reading back what the run wrote."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from finance.banking.models import BankStatement, BankStatementLine
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces.models import ImportFile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture
def demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="demo")


def run_file(tmp_path, interface, content, *args, name="statement"):
    """The JSON report of one run of `interface` on `content` (bytes or text)."""
    path = tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = io.StringIO()
    try:
        call_command("run_interface", "--tenant", "demo", "--interface", interface, "--file", str(path), "--json",
                     *args, stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
    return json.loads(out.getvalue())


def produced(report, tenant, name="Bank statement file import.csv"):
    """The rows of a produced file of the run."""
    with scope.activate(tenant):
        record = ImportFile.objects.get(run__uuid=report["run"], kind="produced", original_name=name)
        with default_storage.open(record.stored_name, "rb") as handle:
            return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def stored_lines(tenant, account_code):
    with scope.activate(tenant):
        return list(BankStatementLine.objects.filter(bank_account__code=account_code).order_by("seq")
                    .values("date", "value_date", "amount", "description", "reference", "type", "cheque_no",
                            "transaction_id", "dedupe_key"))


def statements(tenant, account_code):
    with scope.activate(tenant):
        return list(BankStatement.objects.filter(bank_account__code=account_code).order_by("id")
                    .values("from_date", "to_date", "line_count", "opening_balance", "closing_balance"))


def line_count(tenant):
    with scope.activate(tenant):
        return BankStatementLine.objects.count()


def errors(report):
    return [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]


def warnings(report):
    return [w["message"] for w in report["warnings"]]
