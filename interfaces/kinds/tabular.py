"""The shared file pipeline of the template imports (import-formats §1): accepting the file,
decoding it, the CSV dialect and headers, row numbers, outcomes and counts, the produced file, the
failed-rows file, all-or-nothing or partial commits, and dry runs.

A kind built on it (`TabularKind`) says which columns it reads and implements three steps:

- `begin(job)`: load what every row needs (reference tables: one query each);
- `check_chunk(job, records)`: validate a chunk of rows and decide each row's outcome, with the
  bulk lookups the chunk needs (one query per table per chunk, never one per row);
- `write_chunk(job, results)`: write the chunk's created and updated rows (bulk writes).

A kind whose rows can only be decided together (a document's lines, anywhere in the file) may
hold rows back: `check_chunk` returns no result for them and `check_end(job)`, called after the
last chunk, returns theirs; they are then recorded and written like one more chunk. With
`count_by_group`, the outcome counts count groups (documents), not rows; `rows` still counts rows.

On PostgreSQL, `run_tabular` makes one pass (`_one_pass`): each chunk is checked and written in
one transaction, rolled back at the end unless the run may keep it (no error, or `partial`); a dry
run (*Validate*) checks the same way and writes nothing; progress and messages go through a second
connection, so they survive a rollback. On SQLite it makes two passes (`_passes`): the first checks
every row and writes nothing; if the run may write, the second reads the file again and, in one
transaction, checks each chunk again (so data changed in between is caught) and writes it.
Memory stays bounded: rows are read, checked and written a chunk at a time; only the keys a kind
must remember across the file (to report duplicates) are kept.
"""

import codecs
import contextlib
import csv
import gc
import io
import operator
import re
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction

from finance.dataformats import cells
from finance.dataformats.csvio import BOM, FORMULA_START, neutralise

from ..models import ImportFile, ImportFileKind, RunStatus
from .base import DateFormat, DateTimeFormat, Kind, Option

SNIFF_BYTES = 64 * 1024
READ_BYTES = 1024 * 1024
CHUNK_ROWS = 2000
DATE_SAMPLE = 200
DATES_REMEMBERED = 4096  # distinct date cells a run keeps parsed (about 11 years of days)

CREATED, UPDATED, UNCHANGED, DUPLICATE, SKIPPED, ERROR = "created", "updated", "unchanged", "duplicate", "skipped", "error"
OUTCOME_COUNTS = {CREATED: "created", UPDATED: "updated", UNCHANGED: "unchanged", DUPLICATE: "duplicates",
                  SKIPPED: "skipped", ERROR: "errors"}
DELIMITERS = {",": ",", ";": ";", "|": "|", "tab": "\t"}


def file_options(*, date_format=None, datetime_format=None, **extra):
    """The options every file interface has (§1.10), plus the date formats it reads."""
    options = {
        "encoding": Option(str, "auto", label="Encoding", choices=[("auto", "Detect (UTF-8, else Windows-1252)"),
                                                                   ("utf-8", "UTF-8"), ("windows-1252", "Windows-1252")]),
        "delimiter": Option(str, ",", label="Column separator",
                            choices=[(",", "Comma"), (";", "Semicolon"), ("|", "Vertical bar"), ("tab", "Tab")]),
        "partial": Option(bool, False, label="Commit valid rows",
                          help="Import the rows without errors and list the others; otherwise one error stops the whole file."),
    }
    if date_format:
        options["date_format"] = Option(DateFormat, date_format, label="Date format")
    if datetime_format:
        options["datetime_format"] = Option(DateTimeFormat, datetime_format, label="Date and time format")
    options.update(extra)
    return options


class FileRejected(Exception):
    """A file-level error (§1.1, §1.2): the run fails with these errors and every count 0."""

    def __init__(self, *errors):
        super().__init__(errors[0][2] if errors else "")
        self.errors = list(errors)  # (row, column, message)


def file_error(message, row=None, column=None):
    return FileRejected((row, column, message))


# --- Accepting and decoding the file (§1.1) ----------------------------------------------------

def detect_encoding(handle, option, limit_bytes=None):
    """The codec to read the file with, after checking it is a non-empty text file in that
    encoding. Reads the whole file once, in blocks."""
    head = handle.read(SNIFF_BYTES)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error("The file is not a readable text file: UTF-16 is not supported, save it as CSV UTF-8")
    if b"\x00" in head:
        raise file_error("The file is not a readable text file")
    handle.seek(0)
    if option in ("auto", "utf-8"):
        ok, has_text, failure = _scan(handle, "utf-8-sig")
        if ok:
            if not has_text:
                raise file_error("The file is empty")
            return "utf-8-sig"
        if option == "utf-8":
            byte, offset = failure
            raise file_error(f"The file is not valid UTF-8 (byte 0x{byte:02X} at offset {offset})")
        handle.seek(0)
    ok, has_text, _ = _scan(handle, "cp1252")
    if not ok:
        raise file_error("The file is not a readable text file")
    if not has_text:
        raise file_error("The file is empty")
    return "cp1252"


def _scan(handle, encoding):
    """(decodes?, holds anything but whitespace?, (byte, offset) of the first failure)."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    consumed, has_text = 0, False
    while True:
        block = handle.read(READ_BYTES)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as error:
            data = error.object
            return False, has_text, (data[error.start], consumed - pending + error.start)
        consumed += len(block)
        if not has_text and text.strip("\ufeff \t\r\n\x0b\x0c\xa0"):
            has_text = True
        if not block:
            return True, has_text, None


# --- Headers and records (§1.2, §1.3) ----------------------------------------------------------

def normalise_header(name):
    return " ".join(name.split()).lower()


@dataclass
class Record:
    row: int
    values: dict  # column name -> trimmed cell text (only the columns present in the file)
    raw: list  # the cells as read, untrimmed, in file order
    errors: list = field(default_factory=list)  # (column, value, message) found while reading


class Table:
    """The records of a CSV file with a header row; columns matched by name (§1.2)."""

    def __init__(self, text_stream, *, delimiter, columns, mandatory):
        self.reader = csv.reader(text_stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        self.columns = {c.name: c for c in columns}
        self.warnings = []
        self.header_row = 0
        self.positions = []  # index in the record -> column name (None: ignored)
        self.present = set()
        self._read_header(mandatory)

    def _next(self):
        try:
            cells_ = next(self.reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise file_error(f"The file is not a readable text file: {error}") from None
        return cells_

    def _read_header(self, mandatory):
        row = 0
        while True:
            header = self._next()
            if header is None:
                raise file_error("The file is empty")
            row += 1
            if any(c.strip() for c in header):
                break
        self.header_row = row
        known = {normalise_header(name): name for name in self.columns}
        seen = {}
        errors = []
        for cell in header:
            key = normalise_header(cell)
            name = known.get(key)
            if key in seen and key:
                errors.append((row, cell.strip(), f"Duplicate column '{cell.strip()}'"))
            seen[key] = True
            if name is None:
                self.positions.append(None)
                if key and not key.startswith("_"):
                    self.warnings.append(f"Column '{cell.strip()}' is not recognised and was ignored")
            else:
                self.positions.append(name)
                self.present.add(name)
        if errors:
            raise FileRejected(*errors[:1])
        missing = [name for name in mandatory if name not in self.present]
        if missing:
            raise FileRejected(*[(row, name, f"Missing mandatory column '{name}'") for name in missing])  # value null

    def records(self):
        """Data records, blank ones skipped, each with its record number."""
        row = self.header_row
        width = len(self.positions)
        read = [(index, name) for index, name in enumerate(self.positions) if name is not None]
        names = tuple(name for _index, name in read)
        # The columns read, taken from a full row in one call (a row of 45 cells, 100,000 times).
        cells_of = operator.itemgetter(*(index for index, _name in read)) if len(read) > 1 else None
        strip = str.strip
        while True:
            raw = self._next()
            if raw is None:
                return
            row += 1
            if not "".join(raw).strip():  # blank: every cell empty or whitespace
                continue
            errors = []
            if len(raw) > width and "".join(raw[width:]).strip():
                errors.append((None, None, f"Row has {len(raw)} cells but the header has {width}"))
            if len(raw) >= width and cells_of is not None:
                values = dict(zip(names, map(strip, cells_of(raw))))
            elif len(raw) >= width:
                values = {name: raw[index].strip() for index, name in read}
            else:
                values = {name: raw[index].strip() if index < len(raw) else "" for index, name in read}
            yield Record(row=row, values=values, raw=raw, errors=errors)


# --- What a kind gets ----------------------------------------------------------------------------

@dataclass
class RowResult:
    """One data row's outcome: the errors, the values for the produced file, what to write."""

    record: Record
    outcome: str = UNCHANGED
    errors: list = field(default_factory=list)  # (column, value, message)
    output: dict = field(default_factory=dict)  # column -> normalised text for the produced file
    payload: object = None
    note: str = ""
    group: object = None  # rows that share a group (a document's lines) share the outcome

    def error(self, column, value, message):
        self.errors.append((column, value, message))
        self.outcome = ERROR


class Job:
    """One run of a tabular kind: its options, the columns present, and helpers for reading cells
    that keep track of what the run must warn about."""

    def __init__(self, ctx, kind):
        self.ctx = ctx
        self.kind = kind
        self.tenant = ctx.tenant
        self.options = ctx.options
        self.dry_run = ctx.dry_run
        self.partial = bool(ctx.options.get("partial"))
        self.present = set()
        self.writing = False  # True in a pass that writes (the second, or the only one on PostgreSQL)
        self.recheck = False  # True in the second pass, which checks again what the first reported
        self.two_passes = True  # False on PostgreSQL, where one pass checks and writes
        self.state = {}  # what a kind keeps for the whole run (reference tables, keys seen)
        self.shared_errors = {}  # (row, column, message) of errors no single row carries, from the check pass
        self.blocked_rows = 0  # rows skipped because of those errors
        self._spools = []
        self._background = []  # what sends a kind's writes in the background (waited for by `settled`)
        self._date_columns = {}  # column -> [failed values sample] while every value failed
        self._date_ok = set()
        self._dates_read = {}  # (text, format, with_time) -> the date: bounded, see DATES_REMEMBERED

    def date(self, column, value, fmt=None, *, with_time=False):
        """A date cell read with the run's date format; remembers failures for the §1.4 hint.
        The dates read are remembered (a file repeats each of its days many times)."""
        fmt = fmt or self.options["date_format"]
        key = (value, fmt, with_time)
        result = self._dates_read.get(key)
        if result is None:
            try:
                result = cells.date(value, fmt, with_time=with_time)
            except cells.CellError:
                if column not in self._date_ok:
                    sample = self._date_columns.setdefault(column, [])
                    if len(sample) < DATE_SAMPLE:
                        sample.append(value)
                raise
            if len(self._dates_read) >= DATES_REMEMBERED:
                self._dates_read.clear()
            self._dates_read[key] = result
        if column not in self._date_ok:
            self._date_ok.add(column)
            self._date_columns.pop(column, None)
        return result

    def shared_error(self, message, *, row=None, column=None, blocked=1):
        """An error that no single row carries (a statement's bank account that is not set up, §6.2):
        reported once with its own row (or none), it fails the run like a row error; the `blocked`
        rows it stops are counted as skipped, so a partial run with nothing else to write fails too.
        Recorded in the check pass only."""
        if self.recheck:
            return
        key = (row, column, message)
        if key not in self.shared_errors:
            self.shared_errors[key] = True
            self.ctx.error(message, row=row, column=column, value=None)
        self.blocked_rows += blocked
    def spool(self):
        """A temporary file for what a kind keeps from one pass to the next (binary); closed, and
        so removed, when the run ends."""
        spool = tempfile.TemporaryFile(mode="w+b")
        self._spools.append(spool)
        return spool

    def in_background(self, sender):
        """Register what sends a kind's writes from a thread (it has `wait(quiet=...)`, see
        contacts.bulk.BackgroundCopies): the pass waits for it before its transaction ends."""
        self._background.append(sender)
        return sender

    @contextlib.contextmanager
    def settled(self):
        """Around a pass's transaction body: the kind's background writes are finished before the
        transaction commits or rolls back (what they raised is raised, unless the body failed)."""
        try:
            yield
        except BaseException:
            for sender in self._background:
                sender.wait(quiet=True)
            raise
        for sender in self._background:
            sender.wait()

    def close(self):
        for spool in self._spools:
            spool.close()
        self._spools = []

    def date_hints(self):
        hints = []
        for column, sample in self._date_columns.items():
            if column in self._date_ok:
                continue
            fmt = self.options.get("date_format")
            better = cells.suggest_date_format(sample, fmt)
            if better:
                hints.append(f"Dates in {column} look like {better}; set the option date_format={better}")
        return hints


class TabularKind(Kind):
    """A file interface with a header row and the template's columns."""

    accepts_files = True
    files_required = True
    max_files = 1
    checks_files = True
    columns = ()
    mandatory = ()
    produced_name = ""
    extra_produced_columns = ()  # e.g. _doc_no
    error_columns = None  # the column order a row's errors are listed in (§1.7); None: `columns`
    chunk_rows = CHUNK_ROWS
    # The failed rows as read, with an error column, to fix and import again (template layouts).
    failed_rows_file = True
    # On PostgreSQL, check and write in one pass, rolled back unless kept (see _one_pass).
    single_pass = True
    count_by_group = False  # outcomes counted once per RowResult.group (a document), not per row
    unit = ("row", "rows")  # what the counts count, for the run's message

    def reader(self, ctx, handle, encoding):
        """(stream to close, reader) over the binary `handle`: the reader has `records()` (Record
        objects), `warnings` and `present` (the columns found). The default reads a CSV with a
        header row of the template's columns; other layouts (fixed width, XML) override this and
        raise FileRejected for a file they cannot read."""
        stream = io.TextIOWrapper(handle, encoding=encoding, newline="")
        delimiter = DELIMITERS.get(ctx.options.get("delimiter", ","), ",")
        try:
            return stream, Table(stream, delimiter=delimiter, columns=self.columns, mandatory=self.mandatory)
        except BaseException:
            stream.detach()
            raise

    def begin(self, job):
        """Load what every row needs (reference tables); called at the start of each pass, so
        it also resets what the kind remembers across the file (`job.state`)."""

    def check_chunk(self, job, records):
        raise NotImplementedError

    def check_end(self, job):
        """After the last chunk of a pass: the results of the rows `check_chunk` held back, in
        row order (a kind that decides rows together, e.g. a document's lines)."""
        return []

    def write_chunk(self, job, results):
        raise NotImplementedError

    def after_check(self, job):
        """After the check pass: warnings about the file as a whole."""

    def finish(self, job, counts):
        """After a successful write pass, inside its transaction (an Event log summary)."""

    def execute(self, ctx):
        run_tabular(ctx, self)


# --- The produced file (§1.8) ---------------------------------------------------------------------

_FORMULA_FIRST = frozenset(FORMULA_START)  # each is one character
# A cell that starts as a formula would, in a row joined by NUL (which no cell holds) after a NUL.
_FORMULA_CELL = re.compile("\x00[" + re.escape("".join(FORMULA_START)) + "]")


class ProducedFile:
    """A CSV written to a temporary file as rows are checked: the export columns + _row, _outcome,
    _message (and a kind's extra columns)."""

    def __init__(self, columns, extra=()):
        self.columns = list(columns)
        self.names = [c.name for c in columns] + ["_row", "_outcome", "_message", *extra]
        self.extra = list(extra)
        self._names = [c.name for c in self.columns]
        self._text_at = [n for n, c in enumerate(self.columns) if c.is_text]
        self._cells = operator.itemgetter(*self._names) if len(self._names) > 1 else lambda values: (values[self._names[0]],)
        self.spool = tempfile.TemporaryFile(mode="w+b")
        self.text = io.TextIOWrapper(self.spool, encoding="utf-8", newline="")
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.text.write(BOM)
        self.writer.writerow(self.names)

    def add(self, result, outcome=None):
        values = result.output if result.outcome != ERROR else result.record.values
        try:  # a kind's output names every column, each with its text (one call, in C)
            row = list(self._cells(values))
            joined = "\x00" + "\x00".join(row)
        except (KeyError, TypeError):  # some column missing, or not text
            get = values.get
            row = [get(name) or "" for name in self._names]
            joined = "\x00" + "\x00".join(map(str, row))
        # §1.5: text cells a spreadsheet would run as a formula (looked for in the whole row at
        # once first: a regular expression over the joined cells, rather than a loop over them).
        if _FORMULA_CELL.search(joined):
            for index in self._text_at:
                cell = row[index]
                if cell and cell[0] in _FORMULA_FIRST:
                    row[index] = "'" + cell
        message = (" | ".join(m for _, _, m in result.errors) or result.note) if result.errors else result.note
        row += [str(result.record.row), outcome or result.outcome, message]
        if self.extra:
            row += [values.get(name) or result.output.get(name, "") for name in self.extra]
        # A row no cell of which needs quoting (no comma, quote or line break) is written as the
        # csv module would write it, joined at once; any other row by the csv module.
        try:
            line = "\x00".join(row)
        except TypeError:
            line = None
        if (line is not None and "," not in line and '"' not in line and "\n" not in line and "\r" not in line
                and line.count("\x00") == len(row) - 1):
            self.text.write(line.replace("\x00", ",") + "\r\n")
        else:
            self.writer.writerow(row)

    def finished(self, *, skip_valid=False):
        """The file, rewound; with `skip_valid`, rows not in error say `skipped` (the run failed)."""
        self.text.flush()
        if not skip_valid:
            self.spool.seek(0)
            return self.spool
        self.spool.seek(0)
        source = io.TextIOWrapper(self.spool, encoding="utf-8-sig", newline="")
        out = tempfile.TemporaryFile(mode="w+b")
        target = io.TextIOWrapper(out, encoding="utf-8", newline="")
        target.write(BOM)
        writer = csv.writer(target, lineterminator="\r\n")
        outcome_at = self.names.index("_outcome")
        for n, row in enumerate(csv.reader(source)):
            if n and row[outcome_at] not in (ERROR,):
                row[outcome_at] = SKIPPED
            writer.writerow(row)
        target.flush()
        source.detach()
        target.detach()
        out.seek(0)
        self._rewritten = out
        return out

    def close(self):
        try:
            self.text.detach()
        except ValueError:
            pass
        self.spool.close()
        if getattr(self, "_rewritten", None) is not None:
            self._rewritten.close()


class FailedRows:
    """The rows in error as read, with the columns of the file's template and an `_error` column:
    fix them and import the file again (the `_` column is ignored on import)."""

    def __init__(self, columns):
        self.columns = list(columns)
        self.rows = 0
        self.spool = tempfile.TemporaryFile(mode="w+b")
        self.text = io.TextIOWrapper(self.spool, encoding="utf-8", newline="")
        self.writer = csv.writer(self.text, lineterminator="\r\n")
        self.text.write(BOM)
        self.writer.writerow([c.name for c in self.columns] + ["_row", "_error"])

    def add(self, result):
        self.rows += 1
        values = result.record.values
        self.writer.writerow([neutralise(c, values.get(c.name, "")) for c in self.columns]
                             + [str(result.record.row), " | ".join(m for _, _, m in result.errors)])

    def finished(self):
        self.text.flush()
        self.spool.seek(0)
        return self.spool

    def close(self):
        try:
            self.text.detach()
        except ValueError:
            pass
        self.spool.close()


FAILED_ROWS_SUFFIX = " - failed rows.csv"


def failed_rows_name(produced_name):
    return produced_name.removesuffix(".csv") + FAILED_ROWS_SUFFIX


# --- The driver ----------------------------------------------------------------------------------

class _Abort(Exception):
    """The write pass found errors the check pass did not (the data changed): roll back."""


def _open_table(ctx, import_file, kind, encoding):
    """(binary handle, the stream to close, the reader) for one pass over the file."""
    handle = ctx.open(import_file)
    try:
        stream, table = kind.reader(ctx, handle, encoding)
    except BaseException:
        handle.close()
        raise
    return handle, stream, table


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _report_file_errors(ctx, rejected):
    for row, column, message in rejected.errors:
        ctx.error(message, row=row, column=column, value=None)
    for name in ctx.counts:
        ctx.counts[name] = 0
    ctx.finish_as(RunStatus.FAILED, rejected.errors[0][2] if len(rejected.errors) == 1
                  else f"{len(rejected.errors)} problems with the file; nothing was imported.")


def _already_imported(ctx, import_file):
    earlier = (ImportFile.objects.filter(interface=ctx.interface, kind=ImportFileKind.INPUT, sha256=import_file.sha256,
                                         run__dry_run=False, run__status__in=(RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS))
               .exclude(run=ctx.run).select_related("run").order_by("-id").first())
    if earlier is not None:
        ctx.warning(f"This file has already been imported by this interface (run {earlier.run.short_id})")


def _tally(tallies, result, counted):
    """Count the result's outcome; with `counted` (a set), once per group."""
    if counted is not None and result.group is not None:
        if result.group in counted:
            return
        counted.add(result.group)
    tallies[result.outcome] = tallies.get(result.outcome, 0) + 1


def _record_rows(ctx, results, produced, failed, tallies, order, counted=None):
    """Tally the outcomes and report the errors, in row order then template column order (§1.7).
    The counts are set at the end of the run (`errors` counts rows, not messages)."""
    for result in results:
        outcome = result.outcome
        _tally(tallies, result, counted)
        if result.errors:
            for column, value, message in sorted(result.errors, key=lambda e: order.get(e[0], len(order))):
                ctx.error(message, row=result.record.row, column=column, value=value)
        if outcome == ERROR:
            failed.add(result)
        elif outcome in (DUPLICATE, SKIPPED) and result.note:
            ctx.info(result.note, row=result.record.row, value=result.output.get("_dedupe_key") or None)
        produced.add(result)


def _counts_from(tallies, rows, *, failed_as_whole=False):
    counts = {"rows": rows}
    for outcome, name in OUTCOME_COUNTS.items():
        counts[name] = tallies.get(outcome, 0)
    if failed_as_whole:
        moved = counts["created"] + counts["updated"] + counts["unchanged"]
        counts["created"] = counts["updated"] = counts["unchanged"] = 0
        counts["skipped"] += moved
    return counts


def _group_outcomes(results):
    """Rows that belong to one group (a document) share its outcome: an error anywhere is an
    error everywhere (§5.6)."""
    bad = {r.group for r in results if r.group is not None and r.outcome == ERROR}
    for r in results:
        if r.group in bad and r.outcome != ERROR:
            r.outcome = ERROR


YOUNG_COLLECTION_THRESHOLD = 50_000  # allocations between two collections of young objects during a run
_collector_lock = threading.Lock()
_collector_users = 0
_collector_threshold = None


@contextmanager
def _fewer_collections():
    """Collect young objects less often while a file is imported. Each chunk's objects (a few per
    row) live until the chunk is written, so with the default threshold (700 allocations) the
    cycle collector examines them again and again and moves them to the old generation, whose
    full collections then walk them too: about a sixth of an import's time. Memory stays bounded:
    the threshold counts objects, and every chunk is released when written. Restored when the
    last run in the process ends."""
    global _collector_users, _collector_threshold
    with _collector_lock:
        if _collector_users == 0:
            _collector_threshold = gc.get_threshold()
            gc.set_threshold(max(_collector_threshold[0], YOUNG_COLLECTION_THRESHOLD), *_collector_threshold[1:])
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0:
                gc.set_threshold(*_collector_threshold)


def run_tabular(ctx, kind):
    """Check (and, when allowed, write) the run's one input file; see the module's docstring."""
    with _fewer_collections():
        _run_tabular(ctx, kind)


def _run_tabular(ctx, kind):
    files = ctx.files
    import_file = files[0]
    names = kind.error_columns if kind.error_columns is not None else [c.name for c in kind.columns]
    order = {name: n for n, name in enumerate(names)}
    job = Job(ctx, kind)
    job.two_passes = not (kind.single_pass and connection.vendor == "postgresql")
    ctx.job = job  # a kind's reader may read dates through it (the date hints)
    try:
        with ctx.open(import_file) as handle:
            encoding = detect_encoding(handle, ctx.options.get("encoding", "auto"))
    except FileRejected as rejected:
        _report_file_errors(ctx, rejected)
        return
    _already_imported(ctx, import_file)
    try:
        kind.begin(job)
    except FileRejected as rejected:  # e.g. an option the file needs is not set
        _report_file_errors(ctx, rejected)
        return

    failed = FailedRows(kind.columns)
    try:
        if not job.two_passes:
            _one_pass(ctx, kind, job, import_file, encoding, order, failed)
        else:
            _passes(ctx, kind, job, import_file, encoding, order, failed)
    finally:
        failed.close()
        job.close()


def _passes(ctx, kind, job, import_file, encoding, order, failed):
    # Pass 1: check every row; write nothing.
    produced = ProducedFile(kind.columns, kind.extra_produced_columns)
    tallies, rows = {}, 0
    counted = set() if kind.count_by_group else None
    try:
        try:
            handle, stream, table = _open_table(ctx, import_file, kind, encoding)
        except FileRejected as rejected:
            _report_file_errors(ctx, rejected)
            return
        with stream:
            job.present = table.present
            for warning in table.warnings:
                ctx.warning(warning)
            size = max(import_file.size, 1)
            for chunk in _chunks(table.records(), kind.chunk_rows):
                results = kind.check_chunk(job, chunk)
                _group_outcomes(results)
                rows += len(chunk)
                _record_rows(ctx, results, produced, failed, tallies, order, counted)
                ctx.progress(handle.tell(), size * (1 if ctx.dry_run else 2))
            results = kind.check_end(job)
            _group_outcomes(results)
            _record_rows(ctx, results, produced, failed, tallies, order, counted)
        if rows == 0:
            ctx.warning("The file contains no data rows")
        for hint in job.date_hints():
            ctx.warning(hint)
        try:
            kind.after_check(job)
        except FileRejected as rejected:  # the file as a whole cannot be imported (B07)
            _report_file_errors(ctx, rejected)
            return
        errors = tallies.get(ERROR, 0)
        units = sum(tallies.values())  # rows, or documents with count_by_group
        valid = units - errors - job.blocked_rows
        may_write = not ctx.dry_run and ((errors == 0 and not job.shared_errors) or (job.partial and valid > 0))
        if not may_write:
            failed_whole = (errors > 0 or bool(job.shared_errors)) and not ctx.dry_run
            ctx.counts.update(_counts_from(tallies, rows, failed_as_whole=failed_whole))
            ctx.produce_file(kind.produced_name, produced.finished(skip_valid=failed_whole))
            _finish_status(ctx, job, units, errors, wrote=False)
            if errors and kind.failed_rows_file:
                ctx.produce_file(failed_rows_name(kind.produced_name), failed.finished())
            return
    finally:
        produced.close()

    # Pass 2: check again and write, chunk by chunk, in one transaction.
    produced = ProducedFile(kind.columns, kind.extra_produced_columns)
    try:
        job.writing = job.recheck = True
        first_pass_errors = errors
        tallies, rows = {}, 0
        counted = set() if kind.count_by_group else None

        def check_and_write(results):
            _group_outcomes(results)
            new_errors = [r for r in results if r.outcome == ERROR]
            if new_errors and not job.partial:
                raise _Abort(new_errors)
            kind.write_chunk(job, [r for r in results if r.outcome in (CREATED, UPDATED)])
            for r in results:
                _tally(tallies, r, counted)
                produced.add(r)

        try:
            with transaction.atomic():
                ctx.in_write_transaction = True
                handle, stream, table = _open_table(ctx, import_file, kind, encoding)
                with stream:
                    kind.begin(job)
                    for chunk in _chunks(table.records(), kind.chunk_rows):
                        rows += len(chunk)
                        check_and_write(kind.check_chunk(job, chunk))
                        ctx.progress(size + handle.tell(), size * 2)
                    check_and_write(kind.check_end(job))
                counts = _counts_from(tallies, rows)
                kind.finish(job, counts)
                ctx.in_write_transaction = False
        except _Abort as abort:
            ctx.in_write_transaction = False
            for r in abort.args[0]:
                for column, value, message in r.errors:
                    ctx.error(message, row=r.record.row, column=column, value=value)
            ctx.counts.update({name: 0 for name in ctx.counts})
            ctx.finish_as(RunStatus.FAILED, "The data changed while the file was being imported; nothing was "
                                            "imported. Run it again.")
            return
        finally:
            ctx.in_write_transaction = False
        ctx.counts.update(counts)
        ctx.produce_file(kind.produced_name, produced.finished())
        if first_pass_errors and kind.failed_rows_file:
            ctx.produce_file(failed_rows_name(kind.produced_name), failed.finished())
        _finish_status(ctx, job, sum(tallies.values()), tallies.get(ERROR, 0), wrote=True)
    finally:
        produced.close()


class _Rollback(Exception):
    """Leave the one-pass transaction without keeping what it wrote."""


class _Rejected(Exception):
    def __init__(self, rejected):
        super().__init__(str(rejected))
        self.rejected = rejected


def _one_pass(ctx, kind, job, import_file, encoding, order, failed):
    """PostgreSQL: check and write each chunk in one transaction, and roll it back at the end
    when the run may not keep it (errors without `partial`); a validation checks the same way and
    writes nothing. Progress and messages go through the side connection, so they survive a
    rollback and the run page follows them while the transaction is open."""
    produced = ProducedFile(kind.columns, kind.extra_produced_columns)
    tallies, rows = {}, 0
    counted = set() if kind.count_by_group else None
    keep = False
    try:
        try:
            with transaction.atomic(), job.settled():
                ctx.in_write_transaction = True
                try:
                    handle, stream, table = _open_table(ctx, import_file, kind, encoding)
                except FileRejected as rejected:
                    raise _Rejected(rejected) from None
                job.writing = True
                size = max(import_file.size, 1)

                def check_and_write(results):
                    _group_outcomes(results)
                    erring = tallies.get(ERROR) or job.shared_errors or any(r.outcome == ERROR for r in results)
                    # A validation writes nothing; after an error, all-or-nothing writes no more.
                    if not ctx.dry_run and (job.partial or not erring):
                        kind.write_chunk(job, [r for r in results if r.outcome in (CREATED, UPDATED)])
                    _record_rows(ctx, results, produced, failed, tallies, order, counted)

                with stream:
                    job.present = table.present
                    for warning in table.warnings:
                        ctx.warning(warning)
                    for chunk in _chunks(table.records(), kind.chunk_rows):
                        rows += len(chunk)
                        check_and_write(kind.check_chunk(job, chunk))
                        ctx.progress(handle.tell(), size)
                    check_and_write(kind.check_end(job))
                if rows == 0:
                    ctx.warning("The file contains no data rows")
                for hint in job.date_hints():
                    ctx.warning(hint)
                try:
                    kind.after_check(job)
                except FileRejected as rejected:
                    raise _Rejected(rejected) from None
                errors = tallies.get(ERROR, 0)
                units = sum(tallies.values())
                keep = not ctx.dry_run and ((errors == 0 and not job.shared_errors)
                                            or (job.partial and units - errors - job.blocked_rows > 0))
                if not keep:
                    raise _Rollback()
                kind.finish(job, _counts_from(tallies, rows))
                ctx._flush()
        except _Rollback:
            pass
        except _Rejected as rejected:
            ctx.in_write_transaction = False
            _report_file_errors(ctx, rejected.rejected)
            return
        finally:
            ctx.in_write_transaction = False
        failed_whole = (errors > 0 or bool(job.shared_errors)) and not keep and not ctx.dry_run
        ctx.counts.update(_counts_from(tallies, rows, failed_as_whole=failed_whole))
        ctx.produce_file(kind.produced_name, produced.finished(skip_valid=failed_whole))
        if errors and kind.failed_rows_file:
            ctx.produce_file(failed_rows_name(kind.produced_name), failed.finished())
        _finish_status(ctx, job, units, errors, wrote=keep)
    finally:
        produced.close()


def _finish_status(ctx, job, units, errors, *, wrote):
    """§1.6: failed on any row error without partial, or partial with every row (every document)
    in error; completed with errors when partial wrote some; otherwise succeeded. `units` is the
    number of rows, or of documents for a kind that counts by group."""
    counts = ctx.counts
    summary = ", ".join(f"{counts[n]} {n}" for n in ("created", "updated", "unchanged", "duplicates", "skipped", "errors")
                        if counts.get(n))
    prefix = "Validation only, nothing was written: " if ctx.dry_run else ""
    one, many = job.kind.unit
    shared = list(job.shared_errors)
    if (errors or shared) and (not job.partial or errors + job.blocked_rows >= units):
        what = "would fail" if ctx.dry_run else "failed"
        problem = f"{errors} {one if errors == 1 else many} with errors" if errors else shared[0][2]
        ctx.finish_as(RunStatus.FAILED, f"{prefix}the file {what}: {problem}"
                                        f"{'' if job.partial else f', so no {one} was imported'}. {summary or 'no data rows'}.")
    elif errors or shared:
        ctx.finish_as(RunStatus.COMPLETED_WITH_ERRORS, f"{prefix}{summary}.")
    else:
        ctx.finish_as(RunStatus.SUCCEEDED, f"{prefix}{summary or 'no data rows'}.")

