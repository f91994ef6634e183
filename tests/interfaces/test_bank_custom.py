"""The custom bank statement CSV (import-formats §10): the mapped layout with the demo mapping, the
canonical layout, the export round trip, every configuration and row rule; and the Mapped fields
grid on the interface's settings page (sample file read in memory, mapping saved through
`interface_update` with before and after in the Event log, permissions, another environment)."""

import io
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from finance.audit.models import Event
from finance.dataformats.templates import template_csv
from finance.tenancy import scope
from interfaces import services
from interfaces.kinds.bank.mapping import SampleError, mapping_problems, read_sample_header
from interfaces.models import ImportFile, Interface

from .bank_helpers import SAMPLES, demo, errors, lines, produced, run_file, warnings  # noqa: F401 - demo is a fixture

CUSTOM = "Bank statement CSV (custom)"
# demo-data §17: the demo interface's default configuration.
DEMO_CONFIG = {
    "layout": "mapped", "bank_account": "DEMO-KHA-SAV", "delimiter": ",", "header_skip_lines": 1, "footer_skip_lines": 0,
    "amount_mode": "indicator", "credit_value": "CR", "debit_value": "DR", "invert_sign": False, "partial": False,
    "map.date": "Transaction Date", "map.description": "Narrative", "map.reference": "Reference", "map.amount": "Amount",
    "map.indicator": "Dr/Cr", "map.balance": "Balance",
}


def configure(tenant, description, config, kind="custom_csv"):
    with scope.activate(tenant):
        interface = Interface.objects.filter(description=description).first()
        if interface is None:
            return services.interface_create(tenant=tenant, actor=None, description=description, kind=kind, config=config)
        return services.interface_update(interface=interface, actor=None, config=config)


@pytest.mark.django_db
def test_samples_mapped_and_canonical_then_the_export_and_the_produced_file_come_back_as_duplicates(demo, tmp_path):
    configure(demo, CUSTOM, DEMO_CONFIG)
    mapped = run_file(tmp_path, CUSTOM, (SAMPLES / "custom_bank.csv").read_bytes())
    assert mapped["status"] == "succeeded" and mapped["errors"] == [] and mapped["warnings"] == []
    assert mapped["counts"] == {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0,
                                "errors": 0}
    saved = lines(demo, "DEMO-KHA-SAV")
    assert [(line.amount, line.balance) for line in saved] == [
        (Decimal("5000.00"), Decimal("55000.00")), (Decimal("-1200.00"), Decimal("53800.00")),
        (Decimal("44.10"), Decimal("53844.10")), (Decimal("-2.00"), Decimal("53842.10"))]
    assert (saved[0].description, saved[0].reference) == ("TRANSFER FROM CURRENT ACCOUNT", "KHA-SWEEP-03")
    assert [r["_row"] for r in produced(mapped, demo)] == ["3", "4", "5", "6"]
    again = run_file(tmp_path, CUSTOM, (SAMPLES / "custom_bank.csv").read_bytes())
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 4

    canonical = run_file(tmp_path, CUSTOM, (SAMPLES / "bank_canonical.csv").read_bytes(), "--option", "layout=canonical")
    assert canonical["status"] == "succeeded" and canonical["counts"]["rows"] == 3 and canonical["counts"]["created"] == 3
    assert [line.amount for line in lines(demo, "BARC-KPA")] == [Decimal("1500.00"), Decimal("-84.00"), Decimal("-3.50")]
    again = run_file(tmp_path, CUSTOM, (SAMPLES / "bank_canonical.csv").read_bytes(), "--option", "layout=canonical")
    assert again["counts"]["duplicates"] == 3 and again["counts"]["created"] == 0

    # Co-op lines too, then everything goes out through export_data and comes back as duplicates.
    run_file(tmp_path, "Co-op Bank statement text file", (SAMPLES / "coop_statement.txt").read_bytes(), name="c.txt")
    run_file(tmp_path, "Co-op Bank statement CSV", (SAMPLES / "coop_2010.csv").read_bytes())
    export = tmp_path / "export.csv"
    call_command("export_data", "--tenant", "demo", "bank_statements", "--output", str(export), stdout=io.StringIO())
    back = run_file(tmp_path, CUSTOM, export.read_bytes(), "--option", "layout=canonical")
    assert back["status"] == "succeeded" and back["errors"] == []
    assert back["counts"] == {"rows": 17, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 17,
                              "errors": 0}
    # The produced file of a run (with its _row, _outcome, _message, _dedupe_key) imports again too.
    with scope.activate(demo):
        record = ImportFile.objects.get(run__uuid=mapped["run"], kind="produced")
        with default_storage.open(record.stored_name, "rb") as handle:
            produced_bytes = handle.read()
    assert b"_dedupe_key" in produced_bytes
    replay = run_file(tmp_path, CUSTOM, produced_bytes, "--option", "layout=canonical")
    assert replay["counts"]["duplicates"] == 4 and not any("not recognised" in w for w in warnings(replay))


@pytest.mark.django_db
def test_configuration_and_row_rules_of_the_mapped_layout(demo, tmp_path):
    configure(demo, CUSTOM, {"bank_account": "DEMO-KHA-SAV"})
    sample = (SAMPLES / "custom_bank.csv").read_bytes()
    report = run_file(tmp_path, CUSTOM, sample)
    assert report["status"] == "failed" and report["counts"]["rows"] == 0
    assert errors(report) == [(None, None, None, "Interface configuration incomplete: no column mapped to date"),
                              (None, None, None, "Interface configuration incomplete: no column mapped to description"),
                              (None, None, None, "Interface configuration incomplete: no column mapped to amount")]
    report = run_file(tmp_path, CUSTOM, sample, "--option", "amount_mode=debit_credit", "--option", "map.date=Transaction Date",
                      "--option", "map.description=Narrative", "--option", "map.sort_code=Sort")
    assert [e[3] for e in errors(report)] == ["Interface configuration incomplete: no column mapped to debit",
                                              "Interface configuration incomplete: no column mapped to credit",
                                              "Interface configuration incomplete: no column mapped to account_no"]

    configure(demo, CUSTOM, DEMO_CONFIG)
    assert errors(run_file(tmp_path, CUSTOM, sample, "--option", "bank_account=")) == [
        (None, None, None, "Interface configuration incomplete: no bank account")]
    no_narrative = sample.replace(b"Narrative", b"Details")
    assert errors(run_file(tmp_path, CUSTOM, no_narrative)) == [(2, "Narrative", None, "Missing mandatory column 'Narrative'")]

    content = ("Demo Savings Bank plc\r\nTransaction Date,Narrative,Reference,Amount,Dr/Cr,Balance\r\n"
               "01/05/2026,OK LINE,R1,10.00,cr,\r\n"  # 3: indicator values ignore case
               "01/05/2026,BAD IND,,10.00,XX,\r\n"  # 4
               "01/05/2026,NEG,,-10.00,DR,\r\n"  # 5
               "01/05/2026,NAN,,ten,CR,\r\n"  # 6
               "31/04/2026,BAD DATE,,1.00,DR,\r\n"  # 7
               "02/05/2026,NO IND,,1.00,,\r\n"  # 8
               ",,,,,\r\n"  # 9: blank
               "Total,,,11.00,,\r\n")  # 10: the footer
    report = run_file(tmp_path, CUSTOM, content, "--option", "footer_skip_lines=1")
    assert report["status"] == "failed"
    assert errors(report) == [
        (4, "Dr/Cr", "XX", "Unknown Dr/Cr value 'XX'"),
        (5, "Amount", "-10.00", "Amount must not be negative"),
        (6, "Amount", "ten", "Cannot convert 'ten' to amount"),
        (7, "Transaction Date", "31/04/2026", "Cannot convert '31/04/2026' to date using format: dd/MM/yyyy"),
        (8, "Dr/Cr", "", "Dr/Cr is required"),
    ]
    assert report["counts"]["rows"] == 6 and report["counts"]["skipped"] == 1
    failed = produced(report, demo)
    assert failed[1]["_outcome"] == "error" and failed[1]["amount"] == "10.00" and failed[1]["description"] == "BAD IND"
    without_footer = run_file(tmp_path, CUSTOM, content, "--dry-run")
    assert (10, "Transaction Date", "Total", "Cannot convert 'Total' to date using format: dd/MM/yyyy") in errors(without_footer)

    # Separate debit and credit columns and the account on each line, in an interface of its own.
    configure(demo, "Bank CSV with accounts", {
        "amount_mode": "debit_credit", "map.date": "Date", "map.description": "Details", "map.debit": "Paid out",
        "map.credit": "Paid in", "map.sort_code": "Sort code", "map.account_no": "Account", "map.type": "Type"})
    content = ("Sort code,Account,Date,Details,Type,Paid out,Paid in\r\n"
               "20-99-01,10000001,05/05/2026,SHOP,CARD,12.00,\r\n"  # 2
               "20-99-01,10000001,05/05/2026,BOTH,,1.00,2.00\r\n"  # 3
               "20-99-01,10000001,05/05/2026,NEG,,-1.00,\r\n"  # 4
               "20 99 01,19999999,05/05/2026,WHO,,,3.00\r\n"  # 5
               "20-99-1,1234,05/05/2026,BAD SC,,,3.00\r\n"  # 6
               "209901,10000002,06/05/2026,PADDED,,,4.00\r\n"  # 7: to BARC-KPA
               f"209901,10000002,06/05/2026,LONG,{'T' * 36},,4.00\r\n")  # 8
    report = run_file(tmp_path, "Bank CSV with accounts", content, "--option", "partial=true")
    assert errors(report) == [
        (3, None, None, "Exactly one of Paid in and Paid out must be filled in"),
        (4, "Paid out", "-1.00", "Paid out must not be negative"),
        (5, "Account", "19999999", "Bank account 20-99-01 19999999 is not set up"),
        (6, "Sort code", "20-99-1", "Invalid sort code '20-99-1': expected 6 digits"),
        (8, "Type", "T" * 36, "Value for Type is too long (36 characters, maximum 35)"),
    ]
    assert report["status"] == "completed_with_errors" and report["counts"]["created"] == 2
    assert [(line.amount, line.type) for line in lines(demo, "BARC-KLT")] == [(Decimal("-12.00"), "CARD")]
    assert [line.amount for line in lines(demo, "BARC-KPA")] == [Decimal("4.00")]
    # One signed column, written the bank's way round.
    signed = run_file(tmp_path, "Bank CSV with accounts", content.replace("BOTH,,1.00,2.00", "BOTH,,(1.00),"),
                      "--option", "amount_mode=signed", "--option", "map.amount=Paid out", "--option", "map.debit=",
                      "--option", "map.credit=", "--option", "invert_sign=true", "--option", "partial=true", "--dry-run")
    outcomes = {r["_row"]: (r["_outcome"], r["amount"]) for r in produced(signed, demo)}
    assert outcomes["2"] == ("duplicate", "-12.00") and outcomes["3"] == ("created", "1.00") and outcomes["4"] == ("created", "1.00")


@pytest.mark.django_db
def test_rules_of_the_canonical_layout(demo, tmp_path):
    content = ("bank_account,date,amount,currency,description,extra,_row,_outcome\r\n"
               "nope-acc,01/06/2026,1.00,,X,,,\r\n"  # 2
               ",01/06/2026,1.00,,X,,,\r\n"  # 3
               "barc-kpa,01/06/2026,1.00,EUR,X,,,\r\n"  # 4
               "BARC-KPA,01/06/2026,(1.5),gbp,'=CMD,,,\r\n"  # 5: fine
               "BARC-KPA,1/6/2026,1.001,,X,,,\r\n")  # 6
    report = run_file(tmp_path, CUSTOM, content, "--option", "layout=canonical")
    assert errors(report) == [
        (2, "bank_account", "nope-acc", "Bank account 'nope-acc' does not exist"),
        (3, "bank_account", "", "bank_account is required"),
        (4, "currency", "EUR", "Currency EUR does not match bank account BARC-KPA currency GBP"),
        (6, "date", "1/6/2026", "Cannot convert '1/6/2026' to date using format: dd/MM/yyyy"),
        (6, "amount", "1.001", "Amount '1.001' has more than 2 decimal places"),
    ]
    assert warnings(report) == ["Column 'extra' is not recognised and was ignored"]
    partial = run_file(tmp_path, CUSTOM, content, "--option", "layout=canonical", "--option", "partial=true")
    assert partial["counts"]["created"] == 1
    (line,) = lines(demo, "BARC-KPA")
    assert (line.amount, line.description) == (Decimal("-1.50"), "=CMD"), "the export's formula apostrophe comes off"
    assert errors(run_file(tmp_path, CUSTOM, "bank_account,date\r\nBARC-KPA,01/06/2026\r\n", "--option", "layout=canonical")) == [
        (1, "amount", None, "Missing mandatory column 'amount'")]
    # The template the interface page offers for download is a canonical file: it reads, ids and all.
    template = run_file(tmp_path, CUSTOM, template_csv("bank_statements"), "--option", "layout=canonical", "--dry-run")
    assert template["status"] == "succeeded" and template["counts"]["created"] == 2
    assert [r["_dedupe_key"] for r in produced(template, demo)][0] == "id:DSB-2026-0302-001"


def test_reading_a_sample_header_honours_the_separator_and_the_lines_to_skip():
    sample = "Bank plc export\r\n\r\nDate;Details;Amount;\r\n01/03/2026;Caf\xe9;-1,50\r\n".encode("cp1252")
    assert read_sample_header(io.BytesIO(sample), delimiter=";", skip=1) == (
        3, [("Date", "01/03/2026"), ("Details", "Café"), ("Amount", "-1,50")])
    assert read_sample_header(io.BytesIO(b"\xef\xbb\xbfA,B\n"), skip=0) == (1, [("A", ""), ("B", "")])
    with pytest.raises(SampleError, match="empty"):
        read_sample_header(io.BytesIO(b"\xef\xbb\xbf \r\n"))
    with pytest.raises(SampleError, match="not a readable text file"):
        read_sample_header(io.BytesIO(b"PK\x03\x04\x00\x00"))
    with pytest.raises(SampleError, match="after skipping 5 lines"):
        read_sample_header(io.BytesIO(b"a,b\r\n1,2\r\n"), skip=5)
    # Only the start of a large file is read.
    big = b"Date,Amount\r\n" + b"01/03/2026,1.00\r\n" * 40000
    assert read_sample_header(io.BytesIO(big))[1] == [("Date", "01/03/2026"), ("Amount", "1.00")]
    assert mapping_problems({"amount_mode": "indicator", "map.date": "D", "map.amount": "A"}) == [
        "no column mapped to description", "no column mapped to indicator"]
    assert mapping_problems({"map.date": "D", "map.description": "N", "map.amount": "A", "map.iban": "I"}) == []


# --- The Mapped fields grid on the settings page ------------------------------------------------

def edit_url(interface, slug="alpha"):
    return reverse("interfaces:edit", kwargs={"tenant_slug": slug, "interface_id": interface.uuid})


@pytest.fixture
def custom(world_a):
    with scope.activate(world_a.tenant):
        return services.interface_create(tenant=world_a.tenant, actor=None, description="Savings bank CSV", kind="custom_csv",
                                         config={"header_skip_lines": 1, "amount_mode": "indicator",
                                                 "map.date": "Transaction Date"})


def settings_data(**extra):
    data = {"description": "Savings bank CSV", "enabled": "on", "owner": "", "batch_series": "", "date_format": "dd/MM/yyyy",
            "datetime_format": "dd/MM/yyyy HH:mm", "cfg_encoding": "auto", "cfg_bank_account": "SAV", "cfg_layout": "mapped",
            "cfg_delimiter": ",", "cfg_header_skip_lines": "1", "cfg_footer_skip_lines": "0", "cfg_amount_mode": "indicator",
            "cfg_credit_value": "CR", "cfg_debit_value": "DR"}
    data.update(extra)
    return data


def grid(headers, fields):
    data = {"map_rows": str(len(headers))}
    for n, (header, field) in enumerate(zip(headers, fields)):
        data[f"map_header_{n}"] = header
        data[f"map_field_{n}"] = field
    return data


SAMPLE_HEADERS = ["Transaction Date", "Narrative", "Reference", "Amount", "Dr/Cr", "Balance"]


def test_the_settings_page_builds_the_grid_from_a_sample_file_and_saves_the_mapping(owner_client, world_a, custom):
    html = owner_client.get(edit_url(custom)).content.decode()
    assert "Mapped fields" in html and 'enctype="multipart/form-data"' in html and 'name="map_sample"' in html
    assert 'name="cfg_map.date"' not in html, "the mapping is edited in its grid, not as text fields"
    assert 'name="map_header_0" value="Transaction Date"' in html and '<option value="date" selected>' in html
    assert "<script>" not in html and " style=" not in html

    with scope.activate(world_a.tenant):
        files_before = ImportFile.objects.count()
    upload = SimpleUploadedFile("demo-bank.csv", (SAMPLES / "custom_bank.csv").read_bytes(), content_type="text/csv")
    response = owner_client.post(edit_url(custom), {**settings_data(), **grid(["Transaction Date"], ["date"]),
                                                    "_section": "read_sample", "map_sample": upload})
    html = response.content.decode()
    assert response.status_code == 200 and "The columns of demo-bank.csv (header on line 2)" in html
    for n, header in enumerate(SAMPLE_HEADERS):
        assert f'<label for="id_map_field_{n}">{header}</label>' in html
        assert f'name="map_field_{n}" id="id_map_field_{n}"' in html
    # Mapped as saved (date) or guessed from the header text (reference, amount, balance); the others not used.
    assert html.count('<option value="" selected>Not used</option>') == 2 and html.count('<option value="iban"') == 6
    assert "02/03/2026" in html and "KHA-SWEEP-03" in html, "the first line under the header shows an example"
    selected = html.split('id="id_map_field_0"')[1].split("</select>")[0]
    assert '<option value="date" selected>' in selected, "the saved mapping is kept"
    for n, field in ((2, "reference"), (3, "amount"), (5, "balance")):
        assert f'<option value="{field}" selected>' in html.split(f'id="id_map_field_{n}"')[1].split("</select>")[0]
    with scope.activate(world_a.tenant):
        custom.refresh_from_db()
        assert custom.config["map.date"] == "Transaction Date" and "map.amount" not in custom.config, "nothing saved yet"
        assert ImportFile.objects.count() == files_before, "the sample is never stored"

    fields = ["date", "description", "reference", "amount", "indicator", ""]
    response = owner_client.post(edit_url(custom), {**settings_data(), **grid(SAMPLE_HEADERS, fields)})
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        custom.refresh_from_db()
        assert {k: v for k, v in custom.config.items() if k.startswith("map.")} == {
            "map.date": "Transaction Date", "map.description": "Narrative", "map.reference": "Reference",
            "map.amount": "Amount", "map.indicator": "Dr/Cr"}
        assert custom.config["bank_account"] == "SAV" and custom.config["header_skip_lines"] == 1
        event = Event.objects.filter(action="interface.updated", object_uuid=custom.uuid).latest("id")
        assert event.before["config"]["map.date"] == "Transaction Date" and "map.amount" not in event.before["config"]
        assert event.after["config"]["map.indicator"] == "Dr/Cr"
    page = owner_client.get(response["Location"]).content.decode()
    assert "The mapping is incomplete" not in page

    # Incomplete for the chosen amounts: saved, with a warning; a field twice: refused.
    response = owner_client.post(edit_url(custom), {**settings_data(cfg_amount_mode="debit_credit"),
                                                    **grid(SAMPLE_HEADERS, fields)}, follow=True)
    assert "The mapping is incomplete (no column mapped to debit; no column mapped to credit)" in response.content.decode()
    response = owner_client.post(edit_url(custom), {**settings_data(), **grid(SAMPLE_HEADERS, ["date", "date", "", "", "", ""])})
    html = response.content.decode()
    assert response.status_code == 400 and "Date is already mapped to &#x27;Transaction Date&#x27;." in html
    assert "The interface was not saved" in html and 'aria-invalid="true"' in html
    with scope.activate(world_a.tenant):
        custom.refresh_from_db()
        assert custom.config["amount_mode"] == "debit_credit" and custom.config["map.description"] == "Narrative"

    # A sample read with this tab's own separator and lines to skip, as typed before saving.
    upload = SimpleUploadedFile("semi.csv", b"Posted;Text;Value\r\n01/03/2026;Tea;1.00\r\n")
    html = owner_client.post(edit_url(custom), {**settings_data(cfg_delimiter=";", cfg_header_skip_lines="0"),
                                                **grid([], []), "_section": "read_sample", "map_sample": upload}).content.decode()
    assert '<label for="id_map_field_2">Value</label>' in html and "Tea" in html
    response = owner_client.post(edit_url(custom), {**settings_data(), **grid([], []), "_section": "read_sample"})
    assert response.status_code == 400 and "Choose a sample file first." in response.content.decode()
    empty = SimpleUploadedFile("empty.csv", b"\r\n")
    response = owner_client.post(edit_url(custom), {**settings_data(), **grid([], []), "_section": "read_sample",
                                                    "map_sample": empty})
    assert response.status_code == 400 and "The sample file is empty" in response.content.decode()


def test_the_grid_needs_configure_permission_and_stays_in_its_environment(accountant_client, outsider_client, world_a,
                                                                          custom):
    upload = SimpleUploadedFile("demo-bank.csv", (SAMPLES / "custom_bank.csv").read_bytes())
    assert accountant_client.get(edit_url(custom)).status_code == 403
    assert accountant_client.post(edit_url(custom), {**settings_data(), "_section": "read_sample",
                                                     "map_sample": upload}).status_code == 403
    assert outsider_client.get(edit_url(custom)).status_code == 404
    assert outsider_client.get(edit_url(custom, slug="bravo")).status_code == 404
    upload.seek(0)
    assert outsider_client.post(edit_url(custom, slug="bravo"), {**settings_data(), **grid(SAMPLE_HEADERS, ["date"] + [""] * 5),
                                                                 "_section": "read_sample", "map_sample": upload}).status_code == 404
    with scope.activate(world_a.tenant):
        custom.refresh_from_db()
        assert custom.config == {"header_skip_lines": 1, "amount_mode": "indicator", "map.date": "Transaction Date"}


def test_other_kinds_settings_pages_have_no_grid_and_keep_their_settings(owner_client, world_a):
    with scope.activate(world_a.tenant):
        coop = services.interface_create(tenant=world_a.tenant, actor=None, description="Co-op text", kind="coop_text")
    html = owner_client.get(edit_url(coop)).content.decode()
    assert "Mapped fields" not in html and 'name="cfg_header_lines"' in html and "multipart" not in html
