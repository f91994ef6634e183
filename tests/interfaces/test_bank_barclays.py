"""The Barclays.Net statement file (import-formats §7) and the common bank model (§6) on a seeded
demo environment: accounts, duplicates with their reasons, overlap, restriction to one account,
the Excel trap, bad lines, and voiding and restoring an import."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from finance.audit.models import Event
from finance.banking import services as banking
from finance.banking.models import BankAccount, BankStatement, BankStatementLine
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces.models import ImportFile, Interface, Run

pytestmark = pytest.mark.django_db

SAMPLE = (Path(__file__).resolve().parents[1] / "samples" / "barclays_net.csv").read_text(encoding="utf-8")
HEADER = '"GROUP","ACC ID","ACCOUNT NO","TYPE","BANK CODE","CURR","ENTRY DATE","AS AT","AMOUNT","TLA CODE","CHEQUE NO","STATUS","DESCRIPTION"\n'


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
        call_command("run_interface", "--tenant", "demo", "--interface", "Barclays.Net statement file", "--file", str(path),
                     "--json", *args, stdout=out)
    except SystemExit as exit_:
        assert exit_.code == 1
    return json.loads(out.getvalue())


def produced(report, demo):
    with scope.activate(demo):
        record = ImportFile.objects.get(run__uuid=report["run"], kind="produced", original_name="Bank statement file import.csv")
        with default_storage.open(record.stored_name, "rb") as handle:
            return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def line(account="10000001", sort="20-99-01", day="02/03/26", amount="10.00", description="PAYMENT", **extra):
    cells = {"ACCOUNT NO": account, "BANK CODE": sort, "CURR": "GBP", "ENTRY DATE": day, "AS AT": "Close",
             "AMOUNT": amount, "TLA CODE": "BGC", "CHEQUE NO": "", "STATUS": "C", "DESCRIPTION": description, "TYPE": ""}
    cells.update(extra)
    order = ["GROUP", "ACC ID", "ACCOUNT NO", "TYPE", "BANK CODE", "CURR", "ENTRY DATE", "AS AT", "AMOUNT", "TLA CODE",
             "CHEQUE NO", "STATUS", "DESCRIPTION"]
    return ",".join(f'"{cells.get(k, "")}"' for k in order) + "\n"


def test_the_sample_imports_five_lines_skips_the_uncleared_one_and_again_is_all_duplicates(demo, tmp_path):
    report = run_file(tmp_path, SAMPLE)
    assert report["status"] == "succeeded"
    assert (report["counts"]["rows"], report["counts"]["created"], report["counts"]["skipped"]) == (6, 5, 1)
    with scope.activate(demo):
        account = BankAccount.objects.get(code="BARC-KLT")
        statement = BankStatement.objects.get(bank_account=account)
        assert (statement.from_date.isoformat(), statement.to_date.isoformat(), statement.line_count) == ("2026-03-02", "2026-03-06", 5)
        lines = list(BankStatementLine.objects.filter(bank_account=account).order_by("date", "seq"))
        assert [str(x.amount) for x in lines] == ["1250.00", "-480.00", "-216.00", "-95.00", "75.00"]
        cheque = lines[3]
        assert (cheque.cheque_no, cheque.reference, cheque.type) == ("000123", "000123", "CHQ")
        assert all(x.dedupe_key.startswith("fp:") and x.dedupe_key.endswith("#1") for x in lines)
    rows = produced(report, demo)
    assert rows[5]["_outcome"] == "skipped" and rows[5]["_message"] == "STATUS U (uncleared)"
    assert rows[0]["bank_account"] == "BARC-KLT" and rows[0]["date"] == "02/03/2026" and rows[0]["amount"] == "1250.00"

    again = run_file(tmp_path, SAMPLE)
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 5 and again["counts"]["created"] == 0
    messages = [w["message"] for w in again["warnings"]]
    assert f"This file has already been imported by this interface (run {report['run'][:8]})" in messages
    assert (f"Statement dates 02/03/2026 to 06/03/2026 for bank account BARC-KLT overlap an earlier import "
            f"(run {report['run'][:8]}, 02/03/2026 to 06/03/2026)") in messages
    note = produced(again, demo)[0]["_message"]
    assert note.startswith("Duplicate of the line of 02/03/2026 in the statement 02/03/2026 to 06/03/2026, imported ")
    assert note.endswith(f"by the system (run {report['run'][:8]})")


def test_identical_lines_in_one_file_both_import_and_an_overlapping_file_adds_only_new_ones(demo, tmp_path):
    coffee = line(amount="-3.50", description="COFFEE")
    first = run_file(tmp_path, HEADER + coffee + coffee)
    assert first["counts"]["created"] == 2
    later = run_file(tmp_path, HEADER + coffee + coffee + coffee + line(day="03/03/26", description="NEW"))
    assert (later["counts"]["duplicates"], later["counts"]["created"]) == (2, 2)
    assert [r["_dedupe_key"][-2:] for r in produced(later, demo)] == ["#1", "#2", "#3", "#1"]


def test_duplicates_are_found_across_chunks_on_the_days_a_chunk_shares_with_the_next(demo, tmp_path, monkeypatch):
    from interfaces.kinds.bank.barclays_net import BarclaysNet

    monkeypatch.setattr(BarclaysNet, "chunk_rows", 3)  # days cut across chunks
    coffee, tea = line(amount="-3.50", description="COFFEE"), line(amount="-2.00", description="TEA")
    days = [coffee, tea, coffee, coffee, line(day="03/03/26", amount="-3.50", description="COFFEE"),
            line(day="04/03/26", amount="5.00", description="REFUND"), line(day="04/03/26", amount="-3.50", description="COFFEE")]
    first = run_file(tmp_path, HEADER + "".join(days))
    assert (first["counts"]["created"], first["counts"]["duplicates"]) == (7, 0)
    again = run_file(tmp_path, HEADER + "".join(days) + coffee)  # a fourth coffee on 02/03/26, at the end
    assert (again["counts"]["duplicates"], again["counts"]["created"]) == (7, 1)
    rows = produced(again, demo)
    assert [(r["_outcome"], r["_dedupe_key"][-2:]) for r in rows][-2:] == [("duplicate", "#1"), ("created", "#4")]
    assert [r["_message"][:37] for r in rows[4:7]] == ["Duplicate of the line of 03/03/2026 i", "Duplicate of the line of 04/03/2026 i",
                                                        "Duplicate of the line of 04/03/2026 i"]
    with scope.activate(demo):
        infos = list(Run.objects.get(uuid=again["run"]).messages.filter(severity="info").order_by("seq")
                     .values_list("row", "value"))
    assert [row for row, _ in infos] == [2, 3, 4, 5, 6, 7, 8]  # every duplicate says so, on its own row
    assert [value for _, value in infos] == [r["_dedupe_key"] for r in rows[:7]]


@pytest.mark.django_db(transaction=True)
def test_a_committed_import_of_several_chunks_keeps_every_line_and_every_duplicates_message(demo, tmp_path, monkeypatch):
    # Committed for real, as a worker does: on PostgreSQL the lines go in on the writer's thread and
    # the messages through the side connection, each chunk while the next one is read.
    from interfaces.kinds.bank.barclays_net import BarclaysNet

    monkeypatch.setattr(BarclaysNet, "chunk_rows", 500)
    content = HEADER + "".join(line(day=f"{1 + n // 50:02d}/03/26", amount=f"{n + 1}.25", description=f"ITEM {n % 7}")
                               for n in range(1200))
    first = run_file(tmp_path, content)
    assert (first["status"], first["counts"]["created"]) == ("succeeded", 1200)
    again = run_file(tmp_path, content)
    assert (again["status"], again["counts"]["duplicates"], again["counts"]["created"]) == ("succeeded", 1200, 0)
    with scope.activate(demo):
        assert BankStatementLine.objects.filter(bank_account__code="BARC-KLT").count() == 1200
        assert BankStatement.objects.get(run_ref=first["run"]).line_count == 1200
        infos = list(Run.objects.get(uuid=again["run"]).messages.filter(severity="info").order_by("seq")
                     .values_list("row", "value", "message"))
    assert [row for row, _, _ in infos] == list(range(2, 1202))
    assert [value for _, value, _ in infos] == [r["_dedupe_key"] for r in produced(again, demo)]
    assert infos[-1][2].startswith("Duplicate of the line of 24/03/2026 in the statement 01/03/2026 to 24/03/2026")


def test_backslashes_tabs_and_line_breaks_in_a_description_are_stored_as_written(demo, tmp_path):
    odd = "PAID C:\\TEMP\\N\tTAB\nNEXT LINE\r\\N"
    report = run_file(tmp_path, HEADER + line(description=odd) + line(description="\\N"))
    assert report["counts"]["created"] == 2
    with scope.activate(demo):
        stored = list(BankStatementLine.objects.filter(bank_account__code="BARC-KLT").order_by("seq")
                      .values_list("description", "value_date", "balance"))
    assert stored == [(odd, None, None), ("\\N", None, None)]
    again = run_file(tmp_path, HEADER + line(description=odd))
    assert again["counts"]["duplicates"] == 1


def test_the_excel_trap_fails_every_line_and_suggests_the_format(demo, tmp_path):
    resaved = SAMPLE.replace("/26", "/2026").replace('"', "")
    report = run_file(tmp_path, resaved)
    assert report["status"] == "failed" and report["counts"]["errors"] == 5
    assert report["errors"][0] == {"row": 3, "column": "ENTRY DATE", "value": "02/03/2026",
                                   "message": "Cannot convert '02/03/2026' to date using format: dd/MM/yy"}
    assert any(w["message"] == "Dates in ENTRY DATE look like dd/MM/yyyy; set the option date_format=dd/MM/yyyy"
               for w in report["warnings"])
    with scope.activate(demo):
        assert not BankStatementLine.objects.exists()
    fixed = run_file(tmp_path, resaved, "--option", "date_format=dd/MM/yyyy")
    assert fixed["status"] == "succeeded" and fixed["counts"]["created"] == 5


def test_bad_lines_get_their_message_and_nothing_is_written(demo, tmp_path):
    content = (HEADER + line(account="19999999", sort="20-99-01") + line(amount="12.5x") + line(amount="1.234")
               + line(CURR="EUR") + line(TYPE="WEIRD") + line(sort="2099") + '"","","10000001","","20-99-01"\n'
               + line(account="1"))
    report = run_file(tmp_path, content)
    errors = [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]
    assert errors[:6] == [
        (2, "ACCOUNT NO", "19999999", "Bank account 20-99-01 19999999 is not set up"),
        (3, "AMOUNT", "12.5x", "Cannot convert '12.5x' to amount"),
        (4, "AMOUNT", "1.234", "Amount '1.234' has more than 2 decimal places"),
        (5, "CURR", "EUR", "Currency EUR does not match bank account BARC-KLT currency GBP"),
        (6, "TYPE", "WEIRD", "Unknown TYPE value 'WEIRD'"),
        (7, "BANK CODE", "2099", "Invalid sort code '2099': expected 6 digits"),
    ]
    assert (8, "ENTRY DATE", "", "ENTRY DATE is required") in errors, "a truncated line"
    assert (9, "ACCOUNT NO", "1", "Bank account 20-99-01 00000001 is not set up") in errors, "padded with zeros"
    assert report["status"] == "failed"
    with scope.activate(demo):
        assert not BankStatementLine.objects.exists()


@pytest.mark.parametrize("content, message", [
    (b"", "The file is empty"),
    (b'"Title only"\n"a","b"\n', "Header row not found: expected columns ACCOUNT NO, BANK CODE, ENTRY DATE, AMOUNT, DESCRIPTION"),
])
def test_file_level_errors(demo, tmp_path, content, message):
    report = run_file(tmp_path, content)
    assert report["status"] == "failed" and report["errors"][0]["message"] == message


def test_a_run_for_one_account_skips_the_others_and_an_unknown_one_is_refused(demo, tmp_path):
    other = line(account="30000001", sort="20-99-02", description="OTHER ACCOUNT")
    report = run_file(tmp_path, HEADER + line() + other, "--option", "bank_account=BARC-KLT")
    assert report["status"] == "succeeded", report
    assert (report["counts"]["created"], report["counts"]["skipped"]) == (1, 1)
    assert "1 lines for other bank accounts were skipped" in [w["message"] for w in report["warnings"]]
    refused = run_file(tmp_path, HEADER + line(), "--option", "bank_account=NOPE")
    assert refused["status"] == "failed" and refused["errors"][0]["message"] == "Bank account 'NOPE' does not exist"


def test_void_and_restore_an_import_from_its_run_page(demo, tmp_path, client):
    report = run_file(tmp_path, SAMPLE)
    with scope.activate(demo):
        run = Run.objects.get(uuid=report["run"])
    client.force_login(get_user_model().objects.get(email="accountant@kestrel-demo.example"))
    page = reverse("interfaces:run", kwargs={"tenant_slug": "demo", "run_id": run.uuid})
    assert "Void this import" in client.get(page).content.decode()
    client.post(reverse("interfaces:run_void", kwargs={"tenant_slug": "demo", "run_id": run.uuid}))
    with scope.activate(demo):
        assert BankStatement.objects.get(run_ref=str(run.uuid)).voided_at is not None
        assert Event.objects.filter(action="bank_statements.voided", run_ref=str(run.uuid)).exists()
    assert "Restore this import" in client.get(page).content.decode()
    # Voided lines are not duplicates: the file imports again...
    again = run_file(tmp_path, SAMPLE)
    assert again["counts"]["created"] == 5
    # ...so restoring the first import would duplicate them, and is refused.
    response = client.post(reverse("interfaces:run_restore", kwargs={"tenant_slug": "demo", "run_id": run.uuid}), follow=True)
    assert "5 lines of this import have been imported again into BARC-KLT since it was voided" in response.content.decode()
    with scope.activate(demo):
        banking.statements_void(tenant=demo, run_ref=again["run"], actor=None)
        banking.statements_restore(tenant=demo, run_ref=run.uuid, actor=None)
        assert BankStatement.objects.get(run_ref=str(run.uuid)).voided_at is None
        assert Event.objects.filter(action="bank_statements.restored").count() == 1
        with pytest.raises(banking.StatementUndoError, match="voided earlier"):
            banking.statements_void(tenant=demo, run_ref=run.uuid, actor=None)
            banking.statements_restore(tenant=demo, run_ref=run.uuid, actor=None, within_days=-1)


def test_import_statement_from_the_bank_account_presets_the_account(demo, client):
    client.force_login(get_user_model().objects.get(email="accountant@kestrel-demo.example"))
    with scope.activate(demo):
        account = BankAccount.objects.select_related("statement_interface").get(code="BARC-KLT")
    html = client.get(reverse("banking:account", kwargs={"tenant_slug": "demo", "bankaccount_id": account.uuid})).content.decode()
    target = reverse("interfaces:run_form", kwargs={"tenant_slug": "demo", "interface_id": account.statement_interface.uuid})
    assert f"{target}?bank_account=BARC-KLT" in html
    form = client.get(f"{target}?bank_account=BARC-KLT").content.decode()
    assert 'name="opt_bank_account" value="BARC-KLT"' in form


def test_another_environment_cannot_void_a_run(demo, tmp_path, client):
    report = run_file(tmp_path, SAMPLE)
    harrier_admin = get_user_model().objects.get(email="admin@harrier-demo.example")
    client.force_login(harrier_admin)
    for name in ("run_void", "run_restore"):
        assert client.post(reverse(f"interfaces:{name}", kwargs={"tenant_slug": "harrier", "run_id": report["run"]})).status_code == 404
        assert client.post(reverse(f"interfaces:{name}", kwargs={"tenant_slug": "demo", "run_id": report["run"]})).status_code == 404


def test_a_run_for_an_account_the_file_does_not_hold_fails(demo, tmp_path):
    report = run_file(tmp_path, SAMPLE, "--option", "bank_account=BARC-KPA")
    assert report["status"] == "failed"
    assert report["errors"] == [{"row": None, "column": None, "value": None,
                                 "message": "The file contains no lines for bank account BARC-KPA"}]
    assert report["counts"]["created"] == 0 and report["counts"]["skipped"] == 6
    assert not any(path.endswith("failed rows.csv") for path in report["files"])
