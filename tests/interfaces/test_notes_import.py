"""The Notes import (import-formats §4) on a seeded demo environment: the sample file, every rule
of §4.1 with its exact message, row and column, the natural keys, partial and all-or-nothing
runs, dry runs, the export round trip, the query count of a check pass, and tenant isolation."""

import csv
import io
import json
from pathlib import Path
from datetime import date, datetime
from datetime import timezone as dt_timezone

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.audit.models import Event
from finance.contacts.models import ContactAccount, Note
from finance.tenancy import scope
from finance.tenancy.models import Membership, Tenant
from interfaces.models import ImportFileKind, Run
from interfaces.services import interface_create

from ..conftest import client_for

pytestmark = pytest.mark.django_db

SAMPLE = str(Path(__file__).resolve().parents[1] / "samples" / "notes.csv")
HEADER = "contact_account,note_date,subject,body,category,author,follow_up_date,note_ref\n"
PRODUCED = "Contact account notes import file.csv"


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="demo")


@pytest.fixture
def write(tmp_path):
    def write(text, name="notes.csv"):
        path = tmp_path / name
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
        return str(path)
    return write


def run(path, *options, dry_run=False, tenant="demo", interface="Notes import"):
    """The run_interface --json report of one run of the Notes import."""
    args = ["--tenant", tenant, "--interface", interface, "--file", path, "--json"]
    for option in options:
        args += ["--option", option]
    if dry_run:
        args.append("--dry-run")
    out = io.StringIO()
    try:
        call_command("run_interface", *args, stdout=out)
    except SystemExit:
        pass
    return json.loads(out.getvalue())


def produced_rows(report, tenant):
    with scope.activate(tenant):
        run_ = Run.objects.get(uuid=report["run"])
        produced = run_.files.get(kind=ImportFileKind.PRODUCED, original_name=PRODUCED)
        with default_storage.open(produced.stored_name, "rb") as handle:
            data = handle.read()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def notes(tenant):
    with scope.activate(tenant):
        return list(Note.objects.select_related("contact", "category").order_by("contact__code", "note_date", "id"))


def errors(report):
    return [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]


def counts(report):
    return {k: v for k, v in report["counts"].items() if v}


# --- The sample file -------------------------------------------------------------------------

def test_the_sample_creates_three_notes_and_a_second_run_finds_them_unchanged(demo):
    first = run(SAMPLE)
    assert first["status"] == "succeeded", first
    assert counts(first) == {"rows": 3, "created": 3}
    assert first["errors"] == [] and first["warnings"] == []
    assert first["files"] == [f"Imports/{first['run']}/{PRODUCED}"]

    stored = notes(demo)
    assert [(n.contact.code, n.category.code, n.subject) for n in stored] == [
        ("ACME-STAT", "QUERY", "Remittance query"),
        ("DEMOSHIRE-CC", "CREDIT", "SEN top-up"),
        ("TAILSPIN", "GENERAL", "Coach booking"),
    ]
    acme, demoshire, tailspin = stored
    # Wall-clock times in Europe/London: 10:15 in March is 10:15 UTC, a date alone is 00:00.
    assert timezone.localtime(acme.note_date).replace(tzinfo=None) == datetime(2026, 3, 5, 10, 15)
    assert acme.note_date == datetime(2026, 3, 5, 10, 15, tzinfo=dt_timezone.utc)
    assert timezone.localtime(demoshire.note_date).replace(tzinfo=None) == datetime(2026, 3, 6, 0, 0)
    assert demoshire.body == "Confirmed the March SEN top-up of £1,250.00.\nPayment expected by BACS."
    assert acme.follow_up_date == date(2026, 3, 12) and acme.author == "Demo Accountant"
    assert tailspin.note_ref == "TS-2026-001" and tailspin.follow_up_date is None

    rows = produced_rows(first, demo)
    assert [(r["_row"], r["_outcome"], r["note_date"], r["category"]) for r in rows] == [
        ("2", "created", "05/03/2026 10:15", "QUERY"),
        ("3", "created", "06/03/2026 00:00", "CREDIT"),
        ("4", "created", "09/03/2026 14:00", "GENERAL"),  # a quoted line break adds no row (§1.3)
    ]

    with scope.activate(demo):
        events = list(Event.objects.filter(action="notes.imported"))
    assert len(events) == 1 and events[0].after == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "errors": 0}
    assert events[0].message == "Notes import: 3 notes created, 0 updated."

    second = run(SAMPLE)
    assert second["status"] == "succeeded"
    assert counts(second) == {"rows": 3, "unchanged": 3}
    assert [w["message"] for w in second["warnings"]] == [
        f"This file has already been imported by this interface (run {first['run'][:8]})"]
    assert len(notes(demo)) == 3
    assert [r["_outcome"] for r in produced_rows(second, demo)] == ["unchanged"] * 3
    with scope.activate(demo):
        assert Event.objects.filter(action="notes.imported").count() == 2  # one summary per write pass


def test_the_run_warning_names_the_earlier_run_short_id(demo):
    first = run(SAMPLE)
    with scope.activate(demo):
        short = Run.objects.get(uuid=first["run"]).short_id
    second = run(SAMPLE)
    assert second["warnings"][0]["message"].endswith(f"(run {short})")


# --- Every rule with its message, row and column -----------------------------------------------

# One bad row per rule, each followed by nothing else wrong: (line, column, value, message).
RULES = [
    ("NOPE,05/03/2026 10:15,S,B,,,,", "contact_account", "NOPE", "Contact account 'NOPE' does not exist"),
    (",05/03/2026 10:15,S,B,,,,", "contact_account", "", "contact_account is required"),
    (f"{'C' * 51},05/03/2026 10:15,S,B,,,,", "contact_account", "C" * 51,
     "Value for contact_account is too long (51 characters, maximum 50)"),
    ("ACME-STAT,05-03-2026,S,B,,,,", "note_date", "05-03-2026",
     "Cannot convert '05-03-2026' to date using format: dd/MM/yyyy HH:mm"),
    ("ACME-STAT,31/02/2026,S,B,,,,", "note_date", "31/02/2026",
     "Cannot convert '31/02/2026' to date using format: dd/MM/yyyy HH:mm"),
    ("ACME-STAT,05/03/2026 25:00,S,B,,,,", "note_date", "05/03/2026 25:00",
     "Cannot convert '05/03/2026 25:00' to date using format: dd/MM/yyyy HH:mm"),
    ("ACME-STAT,,S,B,,,,", "note_date", "", "note_date is required"),
    (f"ACME-STAT,05/03/2026 10:15,{'s' * 101},B,,,,", "subject", "s" * 101,
     "Value for subject is too long (101 characters, maximum 100)"),
    ("ACME-STAT,05/03/2026 10:15,S,,,,,", "body", "", "body is required"),
    (f"ACME-STAT,05/03/2026 10:15,S,{'b' * 4001},,,,", "body", "b" * 500,  # run messages keep 500 characters
     "Value for body is too long (4001 characters, maximum 4000)"),
    ("ACME-STAT,05/03/2026 10:15,S,B,MEMO,,,", "category", "MEMO", "Note category 'MEMO' does not exist"),
    (f"ACME-STAT,05/03/2026 10:15,S,B,{'K' * 51},,,", "category", "K" * 51,
     "Value for category is too long (51 characters, maximum 50)"),
    (f"ACME-STAT,05/03/2026 10:15,S,B,,{'a' * 151},,", "author", "a" * 151,
     "Value for author is too long (151 characters, maximum 150)"),
    ("ACME-STAT,05/03/2026 10:15,S,B,,,2026-03-12,", "follow_up_date", "2026-03-12",
     "Cannot convert '2026-03-12' to date using format: dd/MM/yyyy"),
    ("ACME-STAT,05/03/2026 10:15,S,B,,,12/03/2026 09:00,", "follow_up_date", "12/03/2026 09:00",
     "Cannot convert '12/03/2026 09:00' to date using format: dd/MM/yyyy"),
    (f"ACME-STAT,05/03/2026 10:15,S,B,,,,{'r' * 51}", "note_ref", "r" * 51,
     "Value for note_ref is too long (51 characters, maximum 50)"),
    ("ACME-STAT,05/03/2026 10:15,S,B,,,,,extra", None, None, "Row has 9 cells but the header has 8"),
]


def test_each_rule_gives_its_message_on_its_row_and_column(demo, write):
    # Each row at its own minute, so that no two rows share a fingerprint.
    lines = [line.replace("10:15", f"10:{n:02d}") + "\n" for n, (line, *_) in enumerate(RULES)]
    report = run(write(HEADER + "".join(lines)))
    assert report["status"] == "failed"
    assert errors(report) == [(n, column, value, message) for n, (_, column, value, message) in enumerate(RULES, 2)]
    assert counts(report) == {"rows": len(RULES), "errors": len(RULES)}
    assert notes(demo) == []
    rows = produced_rows(report, demo)
    assert [(r["_row"], r["_outcome"], r["_message"]) for r in rows] == [
        (str(n), "error", message) for n, (*_, message) in enumerate(RULES, 2)]


def test_all_errors_of_a_row_are_listed_in_template_column_order(demo, write):
    report = run(write(HEADER + f"NOPE,someday,{'s' * 101},,MEMO,,soon,\n"))
    assert errors(report) == [
        (2, "contact_account", "NOPE", "Contact account 'NOPE' does not exist"),
        (2, "note_date", "someday", "Cannot convert 'someday' to date using format: dd/MM/yyyy HH:mm"),
        (2, "subject", "s" * 101, "Value for subject is too long (101 characters, maximum 100)"),
        (2, "body", "", "body is required"),
        (2, "category", "MEMO", "Note category 'MEMO' does not exist"),
        (2, "follow_up_date", "soon", "Cannot convert 'soon' to date using format: dd/MM/yyyy"),
    ]


def test_codes_are_case_insensitive_and_stored_as_the_referenced_objects_code(demo, write):
    report = run(write(HEADER + "acme-stat,05/03/2026 10:15,S,B,query,,,\n"))
    assert report["status"] == "succeeded"
    (note,) = notes(demo)
    assert note.contact.code == "ACME-STAT" and note.category.code == "QUERY"
    assert produced_rows(report, demo)[0]["contact_account"] == "ACME-STAT"


def test_a_date_alone_is_read_with_date_format_at_midnight(demo, write):
    report = run(write(HEADER + "ACME-STAT,06/03/2026,S,B,,,,\n"))
    assert report["status"] == "succeeded"
    (note,) = notes(demo)
    assert timezone.localtime(note.note_date).replace(tzinfo=None) == datetime(2026, 3, 6)


def test_the_date_formats_are_options(demo, write):
    report = run(write(HEADER + "ACME-STAT,2026-07-05T09:30,S,B,,,2026-07-12,\n"),
                 "datetime_format=yyyy-MM-ddTHH:mm", "date_format=yyyy-MM-dd")
    assert report["status"] == "succeeded", report
    (note,) = notes(demo)
    # British Summer Time: 09:30 in London is 08:30 UTC.
    assert note.note_date == datetime(2026, 7, 5, 8, 30, tzinfo=dt_timezone.utc)
    assert note.follow_up_date == date(2026, 7, 12)
    assert produced_rows(report, demo)[0]["note_date"] == "2026-07-05T09:30"


def test_a_column_of_dates_in_another_format_gets_a_hint(demo, write):
    report = run(write(HEADER + "ACME-STAT,2026-03-05,S,B,,,,\nTAILSPIN,2026-03-06,S,B,,,,\n"))
    assert report["status"] == "failed"
    assert [e["message"] for e in report["errors"]] == [
        "Cannot convert '2026-03-05' to date using format: dd/MM/yyyy HH:mm",
        "Cannot convert '2026-03-06' to date using format: dd/MM/yyyy HH:mm"]
    assert "Dates in note_date look like yyyy-MM-dd; set the option date_format=yyyy-MM-dd" in [
        w["message"] for w in report["warnings"]]


def test_formula_text_loses_one_apostrophe_and_is_written_back_with_it(demo, write):
    report = run(write(HEADER + "ACME-STAT,05/03/2026 10:15,'=SUM(A1),'+44 called,,'@me,,'-7\n"))
    assert report["status"] == "succeeded", report
    (note,) = notes(demo)
    assert (note.subject, note.body, note.author, note.note_ref) == ("=SUM(A1)", "+44 called", "@me", "-7")
    row = produced_rows(report, demo)[0]
    assert (row["subject"], row["body"], row["author"], row["note_ref"]) == ("'=SUM(A1)", "'+44 called", "'@me", "'-7")


def test_an_unprefixed_formula_is_stored_unchanged(demo, write):
    run(write(HEADER + "ACME-STAT,05/03/2026 10:15,=1+1,B,,,,\n"))
    assert notes(demo)[0].subject == "=1+1"


def test_a_missing_mandatory_column_is_a_file_error(demo, write):
    report = run(write("contact_account,subject,note_date\nACME-STAT,S,05/03/2026\n"))
    assert report["status"] == "failed"
    assert errors(report) == [(1, "body", None, "Missing mandatory column 'body'")]
    assert counts(report) == {}


def test_unknown_columns_are_ignored_with_a_warning_and_underscore_columns_silently(demo, write):
    report = run(write("contact_account,note_date,body,colour,_row\nACME-STAT,05/03/2026,B,red,7\n"))
    assert report["status"] == "succeeded"
    assert [w["message"] for w in report["warnings"]] == ["Column 'colour' is not recognised and was ignored"]


def test_a_header_only_file_succeeds_with_the_no_data_warning(demo, write):
    report = run(write(HEADER))
    assert report["status"] == "succeeded" and counts(report) == {}
    assert [w["message"] for w in report["warnings"]] == ["The file contains no data rows"]


# --- Natural keys ------------------------------------------------------------------------------

def test_note_ref_updates_the_note_with_that_reference(demo, write):
    run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach booking,Booked.,,Demo Admin,,TS-1\n", "a.csv"))
    report = run(write(HEADER + "TAILSPIN,10/03/2026 09:00,Coach booking,Booked and paid.,CREDIT,,20/03/2026,ts-1\n",
                       "b.csv"))
    assert counts(report) == {"rows": 1, "updated": 1}
    (note,) = notes(demo)
    assert note.body == "Booked and paid." and note.category.code == "CREDIT" and note.author == ""
    assert timezone.localtime(note.note_date).replace(tzinfo=None) == datetime(2026, 3, 10, 9, 0)
    assert note.follow_up_date == date(2026, 3, 20)
    again = run(write(HEADER + "TAILSPIN,10/03/2026 09:00,Coach booking,Booked and paid.,CREDIT,,20/03/2026,ts-1\n",
                      "c.csv"))
    assert counts(again) == {"rows": 1, "unchanged": 1}
    with scope.activate(demo):
        summaries = [e.message for e in Event.objects.filter(action="notes.imported").order_by("id")]
    assert summaries == ["Notes import: 1 notes created, 0 updated.", "Notes import: 0 notes created, 1 updated.",
                         "Notes import: 0 notes created, 0 updated."]


def test_a_reference_with_accented_capitals_is_found_again(demo, write):
    run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach,Booked.,,,,Élan-1\n", "a.csv"))
    report = run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach,Booked and paid.,,,,Élan-1\n", "b.csv"))
    assert report["status"] == "succeeded" and counts(report) == {"rows": 1, "updated": 1}
    assert [n.body for n in notes(demo)] == ["Booked and paid."]


def test_an_update_leaves_the_fields_of_absent_columns_alone(demo, write):
    run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach,Booked.,QUERY,Demo Admin,12/03/2026,TS-1\n", "a.csv"))
    report = run(write("contact_account,note_date,body,note_ref\nTAILSPIN,09/03/2026 14:00,Booked again.,TS-1\n", "b.csv"))
    assert counts(report) == {"rows": 1, "updated": 1}
    (note,) = notes(demo)
    assert (note.subject, note.body, note.category.code, note.author, note.follow_up_date) == (
        "Coach", "Booked again.", "QUERY", "Demo Admin", date(2026, 3, 12))


def test_the_same_note_ref_on_another_contact_is_another_note(demo, write):
    report = run(write(HEADER + "TAILSPIN,09/03/2026 14:00,S,B,,,,R1\nACME-STAT,09/03/2026 14:00,S,B,,,,R1\n"))
    assert counts(report) == {"rows": 2, "created": 2}


def test_without_note_ref_the_fingerprint_decides_and_other_columns_are_not_compared(demo, write):
    run(write(HEADER + "ACME-STAT,05/03/2026 10:15,Call,Asked for a copy.,QUERY,Ann,,\n", "a.csv"))
    report = run(write(HEADER
                       + "ACME-STAT,05/03/2026 10:15,Call,Asked for a copy.,CREDIT,Bob,01/04/2026,\n"
                       + "ACME-STAT,05/03/2026 10:16,Call,Asked for a copy.,,,,\n"
                       + "ACME-STAT,05/03/2026 10:15,Call 2,Asked for a copy.,,,,\n"
                       + "ACME-STAT,05/03/2026 10:15,Call,Asked for two copies.,,,,\n"
                       + "TAILSPIN,05/03/2026 10:15,Call,Asked for a copy.,,,,\n", "b.csv"))
    assert [r["_outcome"] for r in produced_rows(report, demo)] == ["unchanged", "created", "created", "created", "created"]
    assert len(notes(demo)) == 5
    assert notes(demo)[0].author == "Ann"


def test_a_note_with_a_reference_is_found_by_fingerprint_from_a_row_without_one(demo, write):
    run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach,Booked.,,,,TS-1\n", "a.csv"))
    report = run(write(HEADER + "TAILSPIN,09/03/2026 14:00,Coach,Booked.,,,,\n", "b.csv"))
    assert counts(report) == {"rows": 1, "unchanged": 1}


def test_a_repeated_note_ref_in_the_file_is_an_error_on_the_later_row(demo, write):
    report = run(write(HEADER + "TAILSPIN,09/03/2026 14:00,A,B,,,,TS-1\n"
                       + "ACME-STAT,09/03/2026 14:00,A,B,,,,TS-1\n"
                       + "tailspin,10/03/2026 14:00,C,D,,,,ts-1\n"))
    assert errors(report) == [(4, "note_ref", "ts-1", "Duplicate note_ref 'ts-1' in this file (first on row 2)")]
    assert report["status"] == "failed" and counts(report) == {"rows": 3, "skipped": 2, "errors": 1}


def test_a_repeated_fingerprint_in_the_file_is_an_error_on_the_later_row(demo, write):
    report = run(write(HEADER + "ACME-STAT,05/03/2026 10:15,Call,Asked.,,,,\n"
                       + "ACME-STAT,05/03/2026 10:15,Call,Asked.,CREDIT,Bob,,\n"
                       + "acme-stat,05/03/2026 10:15,Call,Asked.,,,,\n"))
    assert errors(report) == [
        (3, None, None, "Duplicate note 'Call' in this file (first on row 2)"),
        (4, None, None, "Duplicate note 'Call' in this file (first on row 2)"),
    ]


def test_a_row_without_reference_repeating_one_with_a_reference_is_a_duplicate(demo, write):
    report = run(write(HEADER + "ACME-STAT,05/03/2026 10:15,Call,Asked.,,,,R1\n"
                       + "ACME-STAT,05/03/2026 10:15,Call,Asked.,,,,R2\n"
                       + "ACME-STAT,05/03/2026 10:15,Call,Asked.,,,,\n"))
    assert errors(report) == [(4, None, None, "Duplicate note 'Call' in this file (first on row 2)")]


def test_duplicates_are_found_across_chunks(demo, write, monkeypatch):
    from interfaces.kinds.notes_import import NotesImport

    monkeypatch.setattr(NotesImport, "chunk_rows", 2)
    lines = [f"ACME-STAT,05/03/2026 10:{n:02d},S{n},B,,,,R{n}\n" for n in range(5)]
    lines.append("ACME-STAT,06/03/2026 10:00,X,Y,,,,r1\n")
    lines.append("ACME-STAT,05/03/2026 10:03,S3,B,,,,\n")
    report = run(write(HEADER + "".join(lines)), "partial=true")
    assert errors(report) == [(7, "note_ref", "r1", "Duplicate note_ref 'r1' in this file (first on row 3)"),
                              (8, None, None, "Duplicate note 'S3' in this file (first on row 5)")]
    assert report["status"] == "completed_with_errors" and counts(report) == {"rows": 7, "created": 5, "errors": 2}


# --- Partial and all-or-nothing, dry runs --------------------------------------------------------

BAD_AND_GOOD = HEADER + "ACME-STAT,05/03/2026 10:15,Good,One,,,,\nNOPE,05/03/2026 10:15,Bad,Two,,,,\n" \
    + "TAILSPIN,05/03/2026 10:15,Good,Three,,,,\n"


def test_all_or_nothing_writes_nothing_when_one_row_fails(demo, write):
    report = run(write(BAD_AND_GOOD))
    assert report["status"] == "failed"
    assert counts(report) == {"rows": 3, "skipped": 2, "errors": 1}
    assert notes(demo) == []
    assert [r["_outcome"] for r in produced_rows(report, demo)] == ["skipped", "error", "skipped"]
    with scope.activate(demo):
        assert not Event.objects.filter(action="notes.imported").exists()


def test_partial_writes_the_valid_rows(demo, write):
    report = run(write(BAD_AND_GOOD), "partial=true")
    assert report["status"] == "completed_with_errors"
    assert counts(report) == {"rows": 3, "created": 2, "errors": 1}
    assert [n.body for n in notes(demo)] == ["One", "Three"]
    rows = produced_rows(report, demo)
    assert [(r["_outcome"], r["_message"]) for r in rows] == [
        ("created", ""), ("error", "Contact account 'NOPE' does not exist"), ("created", "")]
    assert rows[1]["contact_account"] == "NOPE"  # a row in error shows its values as read


def test_partial_with_every_row_in_error_fails(demo, write):
    report = run(write(HEADER + "NOPE,05/03/2026 10:15,S,B,,,,\n"), "partial=true")
    assert report["status"] == "failed" and counts(report) == {"rows": 1, "errors": 1}


def test_a_dry_run_writes_nothing_but_produces_the_file(demo, write):
    report = run(SAMPLE, dry_run=True)
    assert report["status"] == "succeeded" and counts(report) == {"rows": 3, "created": 3}
    assert report["message"].startswith("Validation only, nothing was written")
    assert notes(demo) == []
    assert [r["_outcome"] for r in produced_rows(report, demo)] == ["created"] * 3
    with scope.activate(demo):
        assert not Event.objects.filter(action="notes.imported").exists()
        assert Run.objects.get(uuid=report["run"]).dry_run
    # A dry run does not count as an earlier import of the file.
    real = run(SAMPLE)
    assert real["warnings"] == [] and counts(real) == {"rows": 3, "created": 3}


def test_a_dry_run_with_errors_reports_them_and_still_produces_the_file(demo, write):
    report = run(write(BAD_AND_GOOD), dry_run=True)
    assert report["status"] == "failed" and counts(report) == {"rows": 3, "created": 2, "errors": 1}
    assert [r["_outcome"] for r in produced_rows(report, demo)] == ["created", "error", "created"]
    assert notes(demo) == []


# --- Export round trip -------------------------------------------------------------------------

def test_the_export_re_imports_with_every_row_unchanged(demo, write, tmp_path):
    assert run(SAMPLE)["status"] == "succeeded"
    # 01:30 on 25 October 2026 happens twice in London, and on 29 March 2026 not at all.
    more = run(write(HEADER + "TAILSPIN,25/10/2026 01:30,After the clocks,Went back.,,'=x,,'+REF\n"
                     + "WINGTIP-N,29/03/2026 01:30,Clocks forward,Nonexistent hour.,,,,\n", "more.csv"))
    assert counts(more) == {"rows": 2, "created": 2}
    # A note from the pages, stored with seconds: the export writes minutes and still matches.
    with scope.activate(demo):
        from finance.contacts import services

        contact = ContactAccount.objects.get(code="P-EXAMPLE")
        services.note_create(contact=contact, actor=None, note_date=datetime(2026, 5, 1, 12, 34, 56), body="From a page",
                             subject="=not a formula")
    out = tmp_path / "export.csv"
    call_command("export_data", "--tenant", "demo", "notes", "--output", str(out))
    exported = out.read_text(encoding="utf-8-sig")
    assert "'=not a formula" in exported and "01/05/2026 12:34" in exported
    before = [(n.pk, n.note_date, n.subject, n.body, n.note_ref) for n in notes(demo)]
    report = run(str(out))
    assert report["status"] == "succeeded", report
    assert counts(report) == {"rows": 6, "unchanged": 6}
    assert [(n.pk, n.note_date, n.subject, n.body, n.note_ref) for n in notes(demo)] == before


# --- Query count -------------------------------------------------------------------------------

def _queries_of_a_dry_run(write, rows):
    codes = ["ACME-STAT", "TAILSPIN", "DEMOSHIRE-CC", "WINGTIP-N", "NOPE"]
    lines = [f"{codes[n % 5]},{1 + n % 28:02d}/03/2026 10:{n % 60:02d},S{n},Body {n},,,,{'R%d' % n if n % 2 else ''}\n"
             for n in range(rows)]
    path = write(HEADER + "".join(lines), f"rows{rows}.csv")
    with CaptureQueriesContext(connection) as captured:
        report = run(path, "partial=true", dry_run=True)
    assert report["counts"]["rows"] == rows
    return len(captured.captured_queries)


def test_the_query_count_of_a_check_pass_does_not_grow_with_the_rows(demo, write):
    small = _queries_of_a_dry_run(write, 10)
    large = _queries_of_a_dry_run(write, 200)
    assert large == small


def test_a_write_pass_does_not_grow_with_the_rows_either(demo, write):
    def queries(rows, name):
        lines = [f"ACME-STAT,01/03/2026 10:{n % 60:02d},S{n},Body {n},,,,R{n}\n" for n in range(rows)]
        path = write(HEADER + "".join(lines), name)
        with CaptureQueriesContext(connection) as captured:
            assert run(path)["status"] == "succeeded"
        return len(captured.captured_queries)

    small, large = queries(10, "a.csv"), queries(200, "b.csv")
    assert large <= small + 5  # a few more bulk insert batches, never a query per row


# --- Isolation and pages -------------------------------------------------------------------------

def test_another_environments_contact_codes_are_not_found(demo, write):
    harrier = Tenant.objects.get(slug="harrier")
    report = run(write(HEADER + "HARRIER-PTA,05/03/2026 10:15,S,B,,,,\n"))
    assert errors(report) == [(2, "contact_account", "HARRIER-PTA", "Contact account 'HARRIER-PTA' does not exist")]
    # ACME-STAT exists in both: the demo run attaches the note to the demo's own account.
    report = run(write(HEADER + "ACME-STAT,05/03/2026 10:15,S,B,,,,\n", "acme.csv"))
    assert report["status"] == "succeeded"
    (note,) = notes(demo)
    assert note.contact.tenant_id == demo.pk and note.tenant_id == demo.pk
    assert notes(harrier) == []


def test_in_another_environment_the_demo_codes_are_not_found(demo, write):
    harrier = Tenant.objects.get(slug="harrier")
    with scope.activate(harrier):
        interface_create(tenant=harrier, actor=None, description="Notes import", kind="notes_import")
    report = run(write(HEADER + "TAILSPIN,05/03/2026 10:15,S,B,,,,\nACME-STAT,05/03/2026 10:15,S,B,QUERY,,,\n"),
                 tenant="harrier")
    assert errors(report) == [(2, "contact_account", "TAILSPIN", "Contact account 'TAILSPIN' does not exist")]
    assert notes(harrier) == [] and notes(demo) == []


def test_imported_notes_show_behind_the_notes_button_of_the_contact_page(demo):
    run(SAMPLE)
    with scope.activate(demo):
        membership = Membership.objects.get(user__email="admin@kestrel-demo.example")
        contact = ContactAccount.objects.get(code="DEMOSHIRE-CC")
    client = client_for(membership)
    detail = reverse("contacts:detail", kwargs={"tenant_slug": "demo", "contactaccount_id": contact.uuid})
    notes_url = reverse("contacts:notes", kwargs={"tenant_slug": "demo", "contactaccount_id": contact.uuid})
    page = client.get(detail).content.decode()
    assert f'href="{notes_url}"' in page and '<span class="badge text-bg-secondary" id="note-count">1</span>' in page
    panel = client.get(notes_url, headers={"HX-Request": "true"}).content.decode()
    assert "SEN top-up" in panel and "Credit control" in panel and "6 Mar 2026 00:00" in panel
    assert "Confirmed the March SEN top-up of £1,250.00.<br>Payment expected by BACS." in panel
