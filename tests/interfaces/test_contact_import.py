"""The Contact import (import-formats §3) on a seeded demo environment, end to end through
`run_interface`: the sample file, re-import, codes from the series, the error catalogue, updates,
the export round trip, and a check pass whose queries do not grow with the file."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.contacts.models import ContactAccount
from finance.dataformats.columns import CONTACT_COLUMNS
from finance.ledger.models import NumberSeries
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces.models import ImportFile, Run

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HEADER = ",".join(c.name for c in CONTACT_COLUMNS)


@pytest.fixture
def demo(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="demo")


def run_file(tmp_path, content, *args):
    path = tmp_path / f"in-{len(list(tmp_path.iterdir()))}.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = io.StringIO()
    try:
        call_command("run_interface", "--tenant", "demo", "--interface", "Contact import", "--file", str(path), "--json",
                     *args, stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
    return json.loads(out.getvalue())


def produced(report, demo, name="Contact import file.csv"):
    with scope.activate(demo):
        record = ImportFile.objects.get(run__uuid=report["run"], kind="produced", original_name=name)
        with default_storage.open(record.stored_name, "rb") as handle:
            return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def row(**values):
    cells = {c.name: "" for c in CONTACT_COLUMNS}
    cells.update({k.replace("__", "."): v for k, v in values.items()})
    return ",".join(f'"{cells[c.name]}"' if "," in cells[c.name] else cells[c.name] for c in CONTACT_COLUMNS)


def test_the_sample_file_creates_five_contacts_and_again_changes_nothing(demo, tmp_path):
    content = (SAMPLES / "contacts.csv").read_bytes()
    report = run_file(tmp_path, content)
    assert report["status"] == "succeeded" and report["counts"]["rows"] == 5 and report["counts"]["created"] == 5
    assert report["files"] == [f"Imports/{report['run']}/Contact import file.csv"]
    with scope.activate(demo):
        supplier = ContactAccount.objects.get(code="SMP-SUPP1")
        assert supplier.tax_no == "GB999000808" and supplier.tax_authority.code == "HMRC"
        assert supplier.bank_account.sort_code == "40-99-18" and supplier.bank_account.account_no == "50000008"
        customer = ContactAccount.objects.get(code="SMP-CUST1")
        assert customer.addresses.get().postcode == "ZZ1 3AB" and customer.pay_term.code == "30D"
        assert customer.people.get().email == "treasurer@sample-pa.example"
        assert ContactAccount.objects.filter(credit_limit=1500).count() == 1
    rows = produced(report, demo)
    assert [r["_outcome"] for r in rows] == ["created"] * 5 and rows[0]["address.postcode"] == "ZZ1 3AB"
    assert rows[1]["tax_no"] == "GB999000808" and rows[0]["_row"] == "2"

    again = run_file(tmp_path, content)
    assert again["status"] == "succeeded" and again["counts"]["unchanged"] == 5 and again["counts"]["created"] == 0
    assert again["warnings"][0]["message"] == f"This file has already been imported by this interface (run {report['run'][:8]})"


def test_blank_codes_take_the_next_series_number_and_a_dry_run_takes_none(demo, tmp_path):
    with scope.activate(demo):
        before = NumberSeries.objects.get(code="CONTACT").next_number
    content = f"{HEADER}\n{row(is_customer='y', company_name='Blank Code Ltd')}\n{row(is_supplier='y', company_name='Second Ltd')}\n"
    check = run_file(tmp_path, content, "--dry-run")
    assert check["status"] == "succeeded" and check["counts"]["created"] == 2
    with scope.activate(demo):
        assert NumberSeries.objects.get(code="CONTACT").next_number == before
        assert not ContactAccount.objects.filter(company_name="Blank Code Ltd").exists()
    report = run_file(tmp_path, content)
    with scope.activate(demo):
        series = NumberSeries.objects.get(code="CONTACT")
        codes = [c.code for c in ContactAccount.objects.filter(company_name__in=["Blank Code Ltd", "Second Ltd"]).order_by("code")]
        assert codes == [series.format(before), series.format(before + 1)] and series.next_number == before + 2
    assert [r["code"] for r in produced(report, demo)] == codes


def test_every_rule_reports_its_cell_and_nothing_is_written(demo, tmp_path):
    rows = [
        row(is_customer="yes", code="ERR1", company_name="A"),
        row(is_customer="y", code="ERR2", company_name="x" * 151),
        row(is_customer="y", code="ERR3", company_name="C", pay_term="45D"),
        row(is_customer="y", code="ERR4", company_name="D", address__postcode="ZZ1"),
        row(is_supplier="y", code="ERR5", company_name="E", bank__iban="GB00DEMO20990110000003"),
        row(code="ERR6", company_name="F"),
        row(is_supplier="y", code="ERR7", company_name="G", bank__sort_code="40-99-18"),
        row(is_customer="y", code="err4", company_name="Dup"),
        row(is_customer="y", code="OK1", company_name="Fine Ltd", credit_limit="(10.00)"),
        row(is_customer="y", code="bad code!", company_name="H"),
        row(is_customer="y", code="OK2", contact_type="P", first_name="Ann"),
    ]
    report = run_file(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    assert report["status"] == "failed"
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]
    assert errors == [
        (2, "is_customer", "yes", "Invalid value 'yes' for is_customer: use y or n"),
        (3, "company_name", "x" * 151, "Value for company_name is too long (151 characters, maximum 150)"),
        (4, "pay_term", "45D", "Payment term '45D' does not exist"),
        (5, "address.postcode", "ZZ1", "Invalid UK postcode 'ZZ1'"),
        (6, "bank.iban", "GB00DEMO20990110000003", "Invalid IBAN 'GB00DEMO20990110000003'"),
        (7, None, None, "At least one of is_customer, is_supplier, is_resource, is_staff, is_lead must be y"),
        (8, "bank.sort_code", "40-99-18", "bank.sort_code and bank.account_no must be given together"),
        (9, "code", "err4", "Duplicate code 'err4' in this file (first on row 5)"),
        (10, "credit_limit", "(10.00)", "credit_limit must not be negative"),
        (11, "code", "bad code!", "Invalid code 'bad code!': use letters, digits and . _ / -"),
        (12, "last_name", "", "last_name is required when contact_type is P"),
    ]
    assert report["counts"] == {"rows": 11, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0, "errors": 11}
    with scope.activate(demo):
        assert not ContactAccount.objects.filter(code__startswith="ERR").exists()
    failed = produced(report, demo, "Contact import file - failed rows.csv")
    assert len(failed) == 11 and failed[0]["is_customer"] == "yes" and failed[0]["_error"].startswith("Invalid value")


def test_partial_imports_the_good_rows_and_updates_change_only_what_the_file_holds(demo, tmp_path):
    content = f"{HEADER}\n{row(is_customer='y', code='UPD1', company_name='Before Ltd', job_title='Clerk')}\n{row(code='BAD1', company_name='X')}\n"
    report = run_file(tmp_path, content, "--option", "partial=true")
    assert report["status"] == "completed_with_errors" and report["counts"]["created"] == 1 and report["counts"]["errors"] == 1
    # A file with only some columns: the others keep their values.
    report = run_file(tmp_path, "code,company_name\nupd1,After Ltd\n")
    assert report["status"] == "succeeded" and report["counts"]["updated"] == 1
    with scope.activate(demo):
        contact = ContactAccount.objects.get(code="UPD1")
        assert contact.company_name == "After Ltd" and contact.job_title == "Clerk" and contact.is_customer
    assert run_file(tmp_path, "code,company_name\nUPD1,After Ltd\n")["counts"]["unchanged"] == 1


def test_an_export_imports_again_with_every_row_unchanged(demo, tmp_path):
    run_file(tmp_path, (SAMPLES / "contacts.csv").read_bytes())
    out = tmp_path / "export.csv"
    call_command("export_data", "--tenant", "demo", "contacts", "--output", str(out), stdout=io.StringIO())
    report = run_file(tmp_path, out.read_bytes())
    with scope.activate(demo):
        total = ContactAccount.objects.count()
    assert report["status"] == "succeeded", report["errors"][:3]
    assert report["counts"]["rows"] == total and report["counts"]["unchanged"] == total


def test_the_check_pass_costs_the_same_queries_for_ten_or_two_hundred_rows(demo, tmp_path):
    def queries(n):
        lines = [row(is_customer="y", code=f"Q{n}-{i}", company_name=f"Company {i}", pay_term="30D", currency="GBP")
                 for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            report = run_file(tmp_path, HEADER + "\n" + "\n".join(lines) + "\n", "--dry-run")
        assert report["counts"]["created"] == n
        return len(captured)

    assert queries(200) <= queries(10) + 2


def test_another_environments_reference_codes_do_not_exist_here(demo, tmp_path):
    with scope.activate(Tenant.objects.get(slug="harrier")):
        from finance.ledger.models import PaymentTerm

        harrier_only = PaymentTerm.objects.create(tenant=Tenant.objects.get(slug="harrier"), code="HARR60", name="Harrier 60")
    report = run_file(tmp_path, f"{HEADER}\n{row(is_customer='y', code='X1', company_name='X', pay_term=harrier_only.code)}\n")
    assert report["errors"][0]["message"] == "Payment term 'HARR60' does not exist"
    with scope.activate(demo):
        assert not Run.objects.filter(status="running").exists()
