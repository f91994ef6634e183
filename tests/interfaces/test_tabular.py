"""The shared file pipeline (import-formats §1) through a small test kind: accepting and decoding
the file, headers, row numbers, outcomes and counts, all-or-nothing, partial, dry runs, the
produced and failed-rows files."""

import csv
import io

import pytest
from django.core.files.storage import default_storage

from finance.contacts.models import NoteCategory
from finance.tenancy import scope
from interfaces import engine
from interfaces.kinds import tabular
from interfaces.models import ImportFile, RunStatus
from interfaces.services import run_request

from .conftest import make_interface

pytestmark = pytest.mark.django_db

HEADER = "code,name,amount,when,active\n"


@pytest.fixture
def interface(world_a, media):
    return make_interface(world_a.tenant, "test_tabular", "Categories file")


def run(world, interface, content, **options):
    dry_run = options.pop("dry_run", False)
    if isinstance(content, str):
        content = content.encode("utf-8")
    with scope.activate(world.tenant):
        queued = run_request(interface=interface, trigger="command", files=[("in.csv", content)], options=options,
                             dry_run=dry_run, enqueue=False)
        done = engine.execute(engine.run_for_pk(queued.pk))
        done.refresh_from_db()
        messages = [(m.severity, m.row, m.column, m.value, m.message) for m in done.messages.order_by("seq")]
        files = {f.original_name: read_csv(f) for f in ImportFile.objects.filter(run=done, kind="produced")}
        categories = {c.code: c.name for c in NoteCategory.objects.filter(tenant=world.tenant, code__startswith="T")}
    return done, messages, files, categories


def read_csv(record):
    with default_storage.open(record.stored_name, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def errors_of(messages):
    return [m[1:] for m in messages if m[0] == "error"]


def warnings_of(messages):
    return [m[4] for m in messages if m[0] == "warning"]


def test_a_clean_file_is_written_and_the_produced_file_lists_every_row(world_a, interface):
    done, messages, files, categories = run(world_a, interface, HEADER + "T1,One,\"1,234.50\",03/08/2026,y\n\nT2,Two,,,n\nt3,Three,(12),,\n")
    assert done.status == RunStatus.SUCCEEDED and done.counts == {
        "rows": 3, "created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0, "errors": 0}
    assert categories == {"T1": "One", "T2": "Two", "T3": "Three"}
    produced = files["Test tabular file.csv"]
    assert produced[0] == ["code", "name", "amount", "when", "active", "_row", "_outcome", "_message"]
    assert produced[1] == ["T1", "One", "1234.50", "03/08/2026", "y", "2", "created", ""]
    assert produced[3][:3] == ["T3", "Three", "-12.00"] and produced[3][5] == "5", "the blank record still counts as a row"
    assert "Test tabular file - failed rows.csv" not in files


def test_importing_the_same_file_again_is_unchanged_with_a_warning(world_a, interface):
    content = HEADER + "T1,One,,,\nT2,Two,,,\n"
    first, *_ = run(world_a, interface, content)
    done, messages, files, _ = run(world_a, interface, content)
    assert done.status == RunStatus.SUCCEEDED and (done.unchanged, done.created) == (2, 0)
    assert warnings_of(messages) == [f"This file has already been imported by this interface (run {first.short_id})"]


def test_one_bad_row_fails_the_whole_file_and_writes_nothing(world_a, interface):
    content = HEADER + "T1,One,12.345,,\nT2,Two,,31/02/2026,\nT3,Three,,,yes\nT4,Four,,,\nT1,Again,,,\n"
    done, messages, files, categories = run(world_a, interface, content)
    assert done.status == RunStatus.FAILED and categories == {}
    assert errors_of(messages) == [
        (2, "amount", "12.345", "Amount '12.345' has more than 2 decimal places"),
        (3, "when", "31/02/2026", "Cannot convert '31/02/2026' to date using format: dd/MM/yyyy"),
        (4, "active", "yes", "Invalid value 'yes' for active: use y or n"),
        (6, "code", "T1", "Duplicate code 'T1' in this file (first on row 2)"),
    ]
    assert done.counts == {"rows": 5, "created": 0, "updated": 0, "unchanged": 0, "skipped": 1, "duplicates": 0, "errors": 4}
    produced = files["Test tabular file.csv"]
    assert [r[6] for r in produced[1:]] == ["error", "error", "error", "skipped", "error"]
    assert produced[1][:3] == ["T1", "One", "12.345"], "a row in error keeps its values as read"
    failed = files["Test tabular file - failed rows.csv"]
    assert failed[0] == ["code", "name", "amount", "when", "active", "_row", "_error"]
    assert [r[0] for r in failed[1:]] == ["T1", "T2", "T3", "T1"] and failed[4][6] == "Duplicate code 'T1' in this file (first on row 2)"


def test_partial_writes_the_valid_rows_and_lists_the_others(world_a, interface):
    done, messages, files, categories = run(world_a, interface, HEADER + "T1,One,x,,\nT2,Two,,,\nT3,Three,,,\n", partial="true")
    assert done.status == RunStatus.COMPLETED_WITH_ERRORS and categories == {"T2": "Two", "T3": "Three"}
    assert (done.created, done.errors, done.skipped) == (2, 1, 0)
    assert errors_of(messages) == [(2, "amount", "x", "Cannot convert 'x' to amount")]
    assert "Test tabular file - failed rows.csv" in files


def test_partial_with_every_row_in_error_fails(world_a, interface):
    done, *_ = run(world_a, interface, HEADER + "T1,One,x,,\n", partial="true")
    assert done.status == RunStatus.FAILED and done.errors == 1


def test_a_dry_run_reports_the_outcomes_and_writes_nothing(world_a, interface):
    run(world_a, interface, HEADER + "T1,One,,,\n")
    done, messages, files, categories = run(world_a, interface, HEADER + "T1,Changed,,,\nT2,Two,,,\n", dry_run=True)
    assert done.status == RunStatus.SUCCEEDED and (done.updated, done.created) == (1, 1)
    assert categories == {"T1": "One"}
    assert [r[6] for r in files["Test tabular file.csv"][1:]] == ["updated", "created"]
    assert done.message.startswith("Validation only, nothing was written")


@pytest.mark.parametrize("content, options, error", [
    (b"", {}, (None, None, None, "The file is empty")),
    (b"\xef\xbb\xbf  \r\n \n", {}, (None, None, None, "The file is empty")),
    (b"code\nT1\x00\x01\n", {}, (None, None, None, "The file is not a readable text file")),
    (b"\xff\xfec\x00o\x00", {}, (None, None, None, "The file is not a readable text file: UTF-16 is not supported, save it as CSV UTF-8")),
    ("code,name\nT1,Caf\u00e9\n".encode("cp1252"), {"encoding": "utf-8"}, (None, None, None, "The file is not valid UTF-8 (byte 0xE9 at offset 16)")),
    (b"code,name\nT1,\x81\n", {"encoding": "windows-1252"}, (None, None, None, "The file is not a readable text file")),
    (b"name,amount\nOne,1\n", {}, (1, "code", None, "Missing mandatory column 'code'")),
    (b"code,name,Code\nT1,One,T1\n", {}, (1, "Code", None, "Duplicate column 'Code'")),
])
def test_file_level_errors_fail_the_run_with_every_count_zero(world_a, interface, content, options, error):
    done, messages, files, categories = run(world_a, interface, content, **options)
    assert done.status == RunStatus.FAILED and errors_of(messages) == [error]
    assert all(v == 0 for v in done.counts.values()) and categories == {}


def test_windows_1252_is_detected_and_headers_forgive_case_and_spacing(world_a, interface):
    content = "  CODE , Name  ,Extra,_note\nT1,Caf\u00e9 \u00a31,x,y\n".encode("cp1252")
    done, messages, files, categories = run(world_a, interface, content)
    assert done.status == RunStatus.SUCCEEDED and categories == {"T1": "Caf\u00e9 \u00a31"}
    assert warnings_of(messages) == ["Column 'Extra' is not recognised and was ignored"]


def test_a_header_with_no_rows_succeeds_with_a_warning(world_a, interface):
    done, messages, *_ = run(world_a, interface, HEADER)
    assert done.status == RunStatus.SUCCEEDED and done.rows == 0
    assert warnings_of(messages) == ["The file contains no data rows"]


def test_row_numbers_count_every_record_and_quoted_line_breaks_do_not(world_a, interface):
    content = HEADER + 'T1,"Two\nlines",,,\n,,,,\nT2,Two,,,,extra\nT3,Three,,,,,\n'
    done, messages, files, _ = run(world_a, interface, content)
    assert errors_of(messages) == [(4, None, None, "Row has 6 cells but the header has 5")]
    assert [r[5] for r in files["Test tabular file.csv"][1:]] == ["2", "4", "5"]


def test_a_wholly_failing_date_column_suggests_the_format_that_fits(world_a, interface):
    done, messages, *_ = run(world_a, interface, HEADER + "T1,One,,2026-08-03,\nT2,Two,,2026-08-04,\n")
    assert "Dates in when look like yyyy-MM-dd; set the option date_format=yyyy-MM-dd" in warnings_of(messages)
    done, messages, *_ = run(world_a, interface, HEADER + "T1,One,,2026-08-03,\n", date_format="yyyy-MM-dd")
    assert done.status == RunStatus.SUCCEEDED


def test_the_write_pass_rolls_back_when_the_data_changed_in_between(world_a, interface, monkeypatch):
    kind = interface.kind_obj
    original = kind.check_chunk

    def racing(job, records):
        results = original(job, records)
        if job.writing and records[0].row > 2:  # the second chunk, while writing
            results[0].error("name", "x", "Someone changed this meanwhile")
        return results

    monkeypatch.setattr(kind, "check_chunk", racing)
    done, messages, files, categories = run(world_a, interface, HEADER + "T1,One,,,\nT2,Two,,,\nT3,Three,,,\nT4,Four,,,\n")
    assert done.status == RunStatus.FAILED and categories == {}, "the first chunk's writes were rolled back"
    assert ("error", 5, "name", "x", "Someone changed this meanwhile") in messages
    assert done.created == 0


def test_text_starting_with_an_escaped_formula_loses_one_apostrophe(world_a, interface):
    done, messages, files, categories = run(world_a, interface, HEADER + "T1,'=1+2,,,\n")
    assert categories == {"T1": "=1+2"}
    assert files["Test tabular file.csv"][1][1] == "'=1+2", "written neutralised again"


def test_only_one_file_per_run(world_a, interface):
    from interfaces.services import RunRequestError

    with scope.activate(world_a.tenant), pytest.raises(RunRequestError, match="imports one file per run; you gave 2"):
        run_request(interface=interface, trigger="command", files=[("a.csv", b"code\nT1\n"), ("b.csv", b"code\nT2\n")],
                    enqueue=False)


def test_detect_encoding_reports_the_offset_across_blocks(monkeypatch):
    monkeypatch.setattr(tabular, "READ_BYTES", 4)
    handle = io.BytesIO(b"code\nabc\xff\n")
    with pytest.raises(tabular.FileRejected, match=r"byte 0xFF at offset 8"):
        tabular.detect_encoding(handle, "utf-8")


def test_the_produced_file_is_what_csv_writer_writes_whatever_the_cells_hold():
    """Rows that need no quoting are joined at once, the others go through csv.writer: either
    way the file is byte for byte what csv.writer alone would write, text cells that would start
    a formula getting their apostrophe (§1.5)."""
    import random

    from finance.dataformats.columns import CONTACT_COLUMNS

    names = [c.name for c in CONTACT_COLUMNS]
    text_at = {n for n, c in enumerate(CONTACT_COLUMNS) if c.is_text}
    rng = random.Random(7)
    alphabet = ["a", " ", ",", '"', "\n", "\r", "=", "-", "@", "x", "1", "é", "'", "\t"]
    produced = tabular.ProducedFile(CONTACT_COLUMNS)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(produced.names)
    plain = 0
    for n in range(2000):
        letters = alphabet if n % 2 else alphabet[:2] + ["x", "1", "é"]  # half the rows need no quoting
        output = {name: "".join(rng.choice(letters) for _ in range(rng.randint(0, 3))) for name in names}
        note = rng.choice(["", "a, b", "plain"]) if n % 2 else "plain"
        produced.add(tabular.RowResult(record=tabular.Record(row=n, values={}, raw=[]), outcome="created",
                                       output=output, note=note))
        row = [output[name] for name in names]
        row = ["'" + cell if n_ in text_at and cell and cell[0] in "=+-@\t\r" else cell for n_, cell in enumerate(row)]
        row += [str(n), "created", note]
        plain += not any(ch in cell for cell in row for ch in ',"\r\n')
        writer.writerow(row)
    try:
        written = produced.finished().read().decode("utf-8-sig")
    finally:
        produced.close()
    assert plain > 0  # some rows took the joined path
    assert written == expected.getvalue()
