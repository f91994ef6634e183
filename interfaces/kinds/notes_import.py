"""Notes import (import-formats §4): attach dated notes to existing contact accounts.

Each row is resolved by the note rules of `finance.contacts.services` (`note_resolve`, the same
rules as `note_create` / `note_update`), with the note categories held in memory, the chunk's
contact accounts fetched in one query and the notes those rows may match (by note_ref, or by
fingerprint within the chunk's dates) in one more, so a chunk costs two queries whatever its size.
New notes are written with bulk inserts, changed ones with one bulk update per chunk, and the
write pass records one Event log summary.

Natural key: with `note_ref`, (contact account, note_ref) creates or updates; without it, the
fingerprint (contact account, note date and time, subject, body) is `unchanged` when the contact
already has such a note and creates one otherwise.

Times are wall-clock times in the current time zone (Europe/London), like the notes pages and
`note_create`: a naive date and time from the file is made aware by the same rule
(`services._note_datetime`), and `export_data notes` writes `localtime(note_date)`. A file's time
is compared with a stored one at the precision of the format that read it (minutes, or seconds
when the format has `ss`), so a note stored with seconds still re-imports as unchanged from an
export written with `dd/MM/yyyy HH:mm`.
"""

import copy
import hashlib
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from finance.audit.services import event_record
from finance.contacts import services as contact_services
from finance.contacts.models import ContactAccount, Note
from finance.dataformats import cells, dates
from finance.dataformats.columns import NOTE_COLUMNS

from .tabular import CREATED, ERROR, UNCHANGED, UPDATED, RowResult, TabularKind, file_options

COLUMNS = {c.name: c for c in NOTE_COLUMNS}
TEXT_FIELDS = ("subject", "body", "author", "note_ref")
# What an update compares (the stored attributes of the fields an import writes).
COMPARED = tuple(f"{name}_id" if name == "category" else name for name in contact_services.NOTE_WRITTEN_FIELDS)
# The matching window around a chunk's dates: wide enough for any UTC offset and DST change.
WINDOW = timedelta(days=1)


def _precision(fmt):
    """How finely a format states the time: seconds with `ss`, else minutes (a date alone is 00:00)."""
    return "second" if "ss" in dates.tokenize(fmt) else "minute"


def _truncate(naive, precision):
    naive = naive.replace(microsecond=0)
    return naive if precision == "second" else naive.replace(second=0)


def _wall_clock(aware, tz):
    """The stored instant as the naive local time the pages show."""
    return timezone.localtime(aware, tz).replace(tzinfo=None)


def _digest(*parts):
    """A fixed-size key for a fingerprint, so remembering every row's stays small."""
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()


class _Row:
    """What the first look at a record found: its contact code, date and note_ref."""

    __slots__ = ("record", "result", "code", "contact", "when", "precision", "ref", "given")

    def __init__(self, record):
        self.record = record
        self.result = RowResult(record=record)
        self.code = ""
        self.contact = None
        self.when = None  # naive wall-clock datetime read from note_date
        self.precision = "minute"
        self.ref = ""
        self.given = {}


class NotesImport(TabularKind):
    key = "notes_import"
    label = "Notes import"
    file_format = "notes"
    columns = NOTE_COLUMNS
    mandatory = ("contact_account", "note_date", "body")
    produced_name = "Contact account notes import file.csv"
    options = file_options(date_format="dd/MM/yyyy", datetime_format="dd/MM/yyyy HH:mm")

    def begin(self, job):
        job.state["refs"] = contact_services.NoteReferences(job.tenant)
        job.state["refs_seen"] = {}  # (contact code, note_ref) lower-cased -> first row (E08)
        job.state["prints_seen"] = {}  # fingerprint digest -> first row (E08)
        job.state["tz"] = timezone.get_current_timezone()

    # Reading -----------------------------------------------------------------------------------

    def _read(self, job, record):
        """The row's cells as note values (`given`), with the cell errors the rules cannot see."""
        row = _Row(record)
        result = row.result
        values = record.values
        for column, value, message in record.errors:
            result.error(column, value, message)

        code = values.get("contact_account", "")
        if not code:
            result.error("contact_account", code, "contact_account is required")
        elif len(code) > COLUMNS["contact_account"].max_length:
            result.error("contact_account", code, self._too_long("contact_account", code))
        else:
            row.code = code

        text = values.get("note_date", "")
        if not text:
            row.given["note_date"] = ""  # the rule says: note_date is required
        else:
            datetime_format = job.options["datetime_format"]
            try:
                row.when = job.date("note_date", text, datetime_format, with_time=True)
                row.precision = _precision(datetime_format)
            except cells.CellError:
                try:
                    row.when = job.date("note_date", text, job.options["date_format"], with_time=True)  # 00:00
                    row.precision = "minute"
                except cells.CellError:
                    result.error("note_date", text, f"Cannot convert '{text}' to date using format: {datetime_format}")
            if row.when is not None:
                row.when = _truncate(row.when, row.precision)
                row.given["note_date"] = row.when

        for name in TEXT_FIELDS:
            if name in values:
                row.given[name] = cells.unescape_formula(values[name])  # §1.5; lengths: the rule
        row.ref = row.given.get("note_ref", "")

        if "category" in values:
            text = values["category"]
            if len(text) > COLUMNS["category"].max_length:
                result.error("category", text, self._too_long("category", text))
            else:
                row.given["category"] = text or None  # blank: the default category

        if "follow_up_date" in values:
            text = values["follow_up_date"]
            if not text:
                row.given["follow_up_date"] = None
            else:
                try:
                    row.given["follow_up_date"] = job.date("follow_up_date", text)
                except cells.CellError as error:
                    result.error("follow_up_date", text, str(error))
        return row

    @staticmethod
    def _too_long(column, text):
        return f"Value for {column} is too long ({len(text)} characters, maximum {COLUMNS[column].max_length})"

    # Lookups (one query each per chunk) ----------------------------------------------------------

    def _contacts(self, job, rows):
        codes = {r.code.lower() for r in rows if r.code}
        if not codes:
            return {}
        found = (ContactAccount.objects.filter(tenant=job.tenant).annotate(code_lower=Lower("code"))
                 .filter(code_lower__in=codes).only("id", "code", "tenant"))
        return {c.code.lower(): c for c in found}

    def _existing(self, job, rows):
        """The notes the chunk's rows may match: {(contact id, note_ref lower): note} and
        {(contact id, wall-clock minute): [notes]}."""
        by_ref, by_minute = {}, {}
        matched = [r for r in rows if r.contact is not None]
        if not matched:
            return by_ref, by_minute
        wanted = Q()
        # SQLite's LOWER() folds ASCII letters only: ask for the reference as written too, and
        # match in Python below with the same folding as everywhere else in the import.
        refs = {form for r in matched if r.ref for form in (r.ref.lower(), r.ref)}
        if refs:
            wanted |= Q(ref_lower__in=refs)
        times = [r.when for r in matched if r.when is not None and not r.ref]
        if times:
            tz = job.state["tz"]
            wanted |= Q(note_date__gte=timezone.make_aware(min(times), tz) - WINDOW,
                        note_date__lt=timezone.make_aware(max(times), tz) + WINDOW)
        if not wanted:
            return by_ref, by_minute
        contacts = {r.contact.pk: r.contact for r in matched}
        notes = (Note.objects.filter(tenant=job.tenant, contact_id__in=list(contacts))
                 .annotate(ref_lower=Lower("note_ref")).filter(wanted))
        tz, categories = job.state["tz"], job.state["refs"].by_id
        for note in notes:
            note.contact = contacts[note.contact_id]
            if note.category_id in categories:
                note.category = categories[note.category_id]
            if note.note_ref:
                by_ref[(note.contact_id, note.note_ref.lower())] = note
            minute = _truncate(_wall_clock(note.note_date, tz), "minute")
            by_minute.setdefault((note.contact_id, minute), []).append(note)
        return by_ref, by_minute

    # Checking ----------------------------------------------------------------------------------

    def check_chunk(self, job, records):
        rows = [self._read(job, record) for record in records]
        contacts = self._contacts(job, rows)
        for row in rows:
            if row.code:
                row.contact = contacts.get(row.code.lower())
                if row.contact is None:
                    row.result.error("contact_account", row.code, f"Contact account '{row.code}' does not exist")
        by_ref, by_minute = self._existing(job, rows)
        return [self._decide(job, row, by_ref, by_minute) for row in rows]

    def _decide(self, job, row, by_ref, by_minute):
        result, record = row.result, row.record
        refs, tz = job.state["refs"], job.state["tz"]
        existing = by_ref.get((row.contact.pk, row.ref.lower())) if row.contact is not None and row.ref else None

        if existing is not None:
            note = copy.copy(existing)
            given = dict(row.given)  # an update: absent columns keep their values
        else:
            note = Note(tenant=job.tenant, created_by=job.ctx.actor)
            if row.contact is not None:
                note.contact = row.contact
            given = {"subject": "", "body": "", "category": None, "author": "", "follow_up_date": None,
                     "note_ref": ""} | row.given
        if existing is not None and row.when is not None \
                and _truncate(_wall_clock(existing.note_date, tz), row.precision) == row.when:
            given.pop("note_date")  # the same time as written in the file: keep the stored instant
        for name, message in contact_services.note_resolve(note, given, refs=refs).items():
            result.error(name, record.values.get(name, ""), message)

        self._duplicates(job, row)
        if result.outcome == ERROR:
            return result

        if existing is not None:
            changed = any(getattr(note, attr) != getattr(existing, attr) for attr in COMPARED)
            result.outcome = UPDATED if changed else UNCHANGED
        elif not row.ref and self._fingerprint_exists(row, note, by_minute, tz):
            result.outcome = UNCHANGED
        else:
            result.outcome = CREATED
        result.payload = note
        result.output = self._output(job, row, note)
        return result

    def _duplicates(self, job, row):
        """E08 on the later row: a repeated (contact, note_ref), or a note without note_ref whose
        fingerprint an earlier row of the file already has."""
        result, values = row.result, row.record.values
        if not row.code:
            return
        code = row.code.lower()
        if row.ref:
            seen = job.state["refs_seen"]
            key = (code, row.ref.lower())
            if key in seen:
                text = values.get("note_ref", "")
                result.error("note_ref", text, f"Duplicate note_ref '{text}' in this file (first on row {seen[key]})")
            else:
                seen[key] = row.record.row
        if row.when is None:
            return
        seen = job.state["prints_seen"]
        key = _digest(code, row.when.isoformat(), row.given.get("subject", ""), row.given.get("body", ""))
        if key in seen and not row.ref:
            # No single column is at fault (§1.7): the fingerprint is four of them.
            subject = values.get("subject", "")
            result.error(None, None, f"Duplicate note '{subject}' in this file (first on row {seen[key]})")
        else:
            seen.setdefault(key, row.record.row)

    @staticmethod
    def _fingerprint_exists(row, note, by_minute, tz):
        for other in by_minute.get((row.contact.pk, _truncate(row.when, "minute")), ()):
            if (_truncate(_wall_clock(other.note_date, tz), row.precision) == row.when
                    and other.subject == note.subject and other.body == note.body):
                return True
        return False

    def _output(self, job, row, note):
        """The produced file's cells: the normalised values (the time as the file gave it)."""
        when = row.when if row.when is not None else _wall_clock(note.note_date, job.state["tz"])
        return {
            "contact_account": note.contact.code,
            "note_date": dates.format_date(when, job.options["datetime_format"]),
            "subject": note.subject,
            "body": note.body,
            "category": note.category.code,
            "author": note.author,
            "follow_up_date": dates.format_date(note.follow_up_date, job.options["date_format"]),
            "note_ref": note.note_ref,
        }

    # Writing -----------------------------------------------------------------------------------

    def write_chunk(self, job, results):
        contact_services.notes_bulk_create(notes=[r.payload for r in results if r.outcome == CREATED])
        contact_services.notes_bulk_update(notes=[r.payload for r in results if r.outcome == UPDATED])

    def finish(self, job, counts):
        ctx = job.ctx
        event_record(
            tenant=job.tenant, user=ctx.actor, action="notes.imported", interface=ctx.interface, run_ref=ctx.run.uuid,
            message=f"{ctx.interface.description}: {counts['created']} notes created, {counts['updated']} updated.",
            after={name: counts[name] for name in ("rows", "created", "updated", "unchanged", "errors")},
        )
