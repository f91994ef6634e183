"""Contact import (import-formats §3): create and update contact accounts, their primary address,
contact person and bank details, from the template's 45 columns.

Rows are resolved by the same value rules as the contact pages (`finance.contacts.values`), with
every reference table held in memory and the chunk's existing contacts fetched together, so a
chunk of 2,000 rows costs a handful of queries. New contacts are written with multi-row inserts
(`contacts_bulk_create`; on PostgreSQL a COPY per table, prepared before the chunk before it is
stored and sent from a thread while the next chunk is checked: see `_speculated`); changed ones
through the contact service's writer.

For large files: the codes seen (for E08) are kept in a `FirstRows`, about 45 bytes a code; the
check pass of a run that may write keeps each chunk's results in a temporary file, and the write
pass takes them instead of resolving every row again as long as what they were resolved against
is unchanged (the reference tables, the chunk's existing contacts and their values); a chunk whose
contacts changed in between is resolved again.
"""

import operator
import pickle

from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection

from finance.audit.services import event_record
from finance.contacts import bulk as contact_bulk
from finance.contacts import services as contact_services
from finance.contacts import values
from finance.contacts.models import ContactAccount
from finance.dataformats import cells
from finance.dataformats.columns import CONTACT_COLUMNS

from .keys import FirstRows
from .base import RunError
from .tabular import CREATED, ERROR, UNCHANGED, UPDATED, RowResult, TabularKind, file_options

FLAG_FIELDS = set(values.FLAGS) | {"address_accept_delivery_flag"}
TEXT_COLUMNS = {c.name for c in CONTACT_COLUMNS if c.is_text}


def field_of(column):
    """`address.postcode` -> `address_postcode` (the contact value rules' names)."""
    return column.replace(".", "_", 1)


# The produced file's cells: (column, field, how the value is written), in template order.
_FLAG, _REFERENCE, _AMOUNT, _ADDRESS_COUNTRY, _OTHER = range(5)
_OUTPUT = tuple(
    (c.name, field_of(c.name),
     _FLAG if c.kind == "flag" else _REFERENCE if field_of(c.name) in values.REFERENCES
     else _AMOUNT if c.name == "credit_limit" else _ADDRESS_COUNTRY if c.name == "address.country_code" else _OTHER)
    for c in CONTACT_COLUMNS
)


_OUTPUT_FLAGS = tuple((name, field) for name, field, how in _OUTPUT if how == _FLAG)
_OUTPUT_REFERENCES = tuple((name, field) for name, field, how in _OUTPUT if how == _REFERENCE)
_OUTPUT_OTHERS = tuple((name, field) for name, field, how in _OUTPUT if how == _OTHER)


def output_row(target):
    """The produced file's cells for a resolved contact: the normalised values of `values.plain`,
    as text (flags y/n)."""
    get = target.get
    row = {name: "y" if get(field) else "n" for name, field in _OUTPUT_FLAGS}
    for name, field in _OUTPUT_REFERENCES:
        value = get(field)
        row[name] = "" if value is None else str(value.code)
    for name, field in _OUTPUT_OTHERS:
        value = get(field)
        row[name] = "" if value is None else value if value.__class__ is str else str(value)
    limit = get("credit_limit")
    row["credit_limit"] = "" if limit is None else f"{limit:.2f}"
    country = get("address_country_code")
    row["address.country_code"] = (get("country_code") or "GB") if country is None else str(country)
    return row


# A resolved target as the check pass keeps it for the write pass: the fields in a fixed order,
# references as their ids.
_TARGET_FIELDS = tuple(sorted(values.FIELDS))
_TARGET_REFERENCES = tuple((n, name) for n, name in enumerate(_TARGET_FIELDS) if name in values.REFERENCES)
_OUTPUT_NAMES = tuple(name for name, _field, _how in _OUTPUT)


_target_values = operator.itemgetter(*_TARGET_FIELDS)
_output_values = operator.itemgetter(*_OUTPUT_NAMES)


def _kept(target):
    row = list(_target_values(target))
    for n, _name in _TARGET_REFERENCES:
        if row[n] is not None:
            row[n] = row[n].pk
    return row


def _target(kept, refs):
    target = dict(zip(_TARGET_FIELDS, kept))
    for n, name in _TARGET_REFERENCES:
        if kept[n] is not None:
            target[name] = refs.by_id[name][kept[n]]
    return target


def _references_key(refs):
    """What resolving a row reads of the reference tables: every code with its id."""
    return (sorted((name, code, obj.pk) for name, table in refs.by_code.items() for code, obj in table.items()),
            refs.base_currency.pk if refs.base_currency is not None else None)


def _contacts_key(existing, states):
    """What resolving a chunk reads of its existing contacts: their ids and values."""
    return sorted((code, contact.pk, sorted(values.plain(states[contact.pk]).items())) for code, contact in existing.items())


_SEPARATOR = "\x1f"  # chr(31), never in a valid code


def existing_sql():
    """The query of `_existing` on PostgreSQL: parameters the codes (one text, separated by
    chr(31), which no valid code holds) and the tenant's id."""
    table = connection.ops.quote_name(ContactAccount._meta.db_table)
    return (f"SELECT * FROM {table} WHERE lower(code) = ANY(string_to_array(lower(%s), chr(31)))"  # noqa: S608 - our table
            " AND tenant_id + 0 = %s")


def _existing(tenant, codes):
    """{code: contact} for the tenant's contacts with these (upper-case) codes."""
    if not codes:
        return {}
    if connection.vendor != "postgresql":
        return {contact.code.upper(): contact for contact in ContactAccount.objects.filter(tenant=tenant, code__in=codes)}
    # One scan of the unique code index for all the codes, whatever the planner believes of the
    # table: inside an import's transaction its statistics still describe the table as it was
    # before (empty, for a first import), and with them it would take an index on the environment
    # and read every contact it holds for each chunk. So the environment's column is written so
    # that no index serves it (`+ 0`), and sequential scans are ruled out for this one query
    # (set_config(..., true) lasts until the transaction ends at most; it is put back at once,
    # and if the query fails, the transaction, aborted, ends with it). The codes go as one text
    # parameter: psycopg binds on the client, and quoting 2,000 placeholders or array elements in
    # Python costs more than the query.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), set_config('enable_seqscan', 'off', true)")
        before = cursor.fetchone()[0]
        joined = _SEPARATOR.join(sorted(code for code in codes if _SEPARATOR not in code))
        found = list(ContactAccount.objects.raw(existing_sql(), [joined, tenant.pk]))
        cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
    return {contact.code.upper(): contact for contact in found}


class ContactImport(TabularKind):
    key = "contact_import"
    label = "Contact import"
    file_format = "contacts"
    columns = CONTACT_COLUMNS
    mandatory = ("code",)
    produced_name = "Contact import file.csv"
    options = file_options()

    def begin(self, job):
        refs = values.References(job.tenant)
        job.state["refs"] = refs
        job.state["codes"] = FirstRows()  # code -> the row it first appeared on (E08)
        # The check pass of a run that may write keeps each chunk's results in a spool; the write
        # pass checks again that nothing they depend on changed (the reference tables here, each
        # chunk's existing contacts in check_chunk) and then takes them instead of resolving
        # every row a second time. Whatever changed is resolved again.
        spool = job.state.pop("spool", None)
        job.state["checked"] = None
        # The single pass (PostgreSQL) sends each chunk's new contacts from a thread while it
        # checks the next chunk; every use of the connection waits for them first.
        job.state["copies"] = None
        job.state["ids"] = []  # ids taken for the next chunk's new contacts (the single pass)
        job.state["planned"] = None  # (creates, their COPYs, their ids) prepared by check_chunk
        if not job.two_passes and not job.dry_run:  # the single pass writes
            copies = contact_services.contacts_background_copies()
            job.state["copies"] = job.in_background(copies) if copies is not None else None
        if job.two_passes and not job.writing and not job.dry_run:
            job.state["spool"] = job.spool()
            job.state["references"] = _references_key(refs)
        elif job.writing and spool is not None and job.state.get("references") == _references_key(refs):
            spool.seek(0)
            job.state["checked"] = spool

    @staticmethod
    def _readers(record):
        """How to read the file's columns: {column: field} of those the contact rules read."""
        return {column: field_of(column) for column in record.values if field_of(column) in values.FIELDS}

    @staticmethod
    def _given(readers, record, result, blanks=True):
        """The row's values for the contact rules; cells that cannot be read become errors. Blank
        cells are left out with `blanks=False` (for a new contact, where blank and absent are the
        same: the default)."""
        cells_ = record.values
        if blanks:
            given = {readers[column]: text for column, text in cells_.items() if column in readers}
        else:
            given = {readers[column]: text for column, text in cells_.items() if text and column in readers}
        # A text cell written with an apostrophe before a formula character (§1.5), looked for
        # in the whole row at once first.
        if "\x00'" in "\x00" + "\x00".join(given.values()):
            for column, name in readers.items():
                text = given.get(name)
                if text and text[0] == "'" and column in TEXT_COLUMNS:
                    given[name] = cells.unescape_formula(text)
        limit = given.get("credit_limit")
        if limit:
            try:
                given["credit_limit"] = cells.amount(limit)
            except cells.CellError as error:
                result.error("credit_limit", limit, str(error))
                del given["credit_limit"]
        return given

    @staticmethod
    def _settle(job):
        """Wait for the previous chunk's contacts to be written (see begin). A reference deleted
        by someone else after its rows were checked fails the run, with nothing written."""
        if job.state.get("copies") is not None:
            try:
                job.state["copies"].wait()
            except contact_bulk.ReferenceMissing as error:
                what = f"A {values.column(error.field)} the file names" if error.field in values.FIELDS else \
                    "Something the import refers to"
                raise RunError(f"{what} was deleted by someone else while the file was being "
                               "imported, so nothing was imported. Import the file again: its rows are then checked "
                               "against the data as it is now.") from error

    def check_chunk(self, job, records):
        refs, seen, tenant = job.state["refs"], job.state["codes"], job.tenant
        codes = {r.values.get("code", "").upper() for r in records if r.values.get("code")}
        if job.state["copies"] is not None and job.state.get("mostly_new", True):
            return self._speculated(job, records, codes)
        self._settle(job)
        existing = _existing(tenant, codes)
        job.state["mostly_new"] = 2 * len(existing) < len(records)
        states = contact_services.contact_states(list(existing.values()), refs) if existing else {}
        chunk = (records[0].row, records[-1].row, len(records)) if records else None
        keeping = job.state.get("spool") is not None or job.state["checked"] is not None
        contacts = _contacts_key(existing, states) if keeping else None
        if job.state["checked"] is not None:
            results = self._checked(job, records, chunk, contacts, existing)
            if results is not None:
                return results
        results = self._resolved(job, records, refs, seen, tenant, existing, states)
        if job.state.get("spool") is not None:
            kept = [(r.outcome, r.errors, _output_values(r.output) if r.output else None,
                     _kept(r.payload[1]) if r.payload else None) for r in results]
            pickle.dump((chunk, contacts, kept), job.state["spool"], pickle.HIGHEST_PROTOCOL)
        return results

    def _speculated(self, job, records, codes):
        """The single pass while the previous chunk's contacts are being written (PostgreSQL):
        every row is resolved as a new contact first, which needs no query and so goes on while
        the database stores that chunk; then the chunk's existing contacts are read, and only
        their rows are resolved again, as updates. A file of mostly existing contacts (a
        re-import) reads them first instead (`mostly_new`, from the chunk before)."""
        refs, seen, tenant = job.state["refs"], job.state["codes"], job.tenant
        results = self._resolved(job, records, refs, seen, tenant, {}, {})
        # Their COPYs too are prepared now, with ids taken beforehand (`_reserve`), unless a
        # contact needs the next code of the series (taken when it is written).
        creates = [r for r in results if r.outcome == CREATED]
        ids = job.state["ids"]
        planned = None
        if creates and len(ids) >= len(creates) and all(r.payload[1]["code"] for r in creates):
            taken = self._take(job, len(creates))
            planned = (creates, contact_services.contacts_copy_plans(
                tenant=tenant, targets=[r.payload[1] for r in creates], ids=taken), taken)
        self._settle(job)
        existing = _existing(tenant, codes)
        ids.extend(job.state["copies"].taken())  # taken by the writer thread after the chunk before
        job.state["mostly_new"] = 2 * len(existing) < len(records)
        if existing:
            states = contact_services.contact_states(list(existing.values()), refs)
            again = [n for n, record in enumerate(records) if record.values.get("code", "").upper() in existing]
            redone = self._resolved(job, [records[n] for n in again], refs, seen, tenant, existing, states)
            for n, result in zip(again, redone):
                results[n] = result
            if planned is not None:  # some of them are updates after all: prepared again when written
                ids[:0] = planned[2]
                planned = None
        # Ids for this chunk's new contacts if they are not prepared yet, and for the next chunk's
        # (then the writer thread takes them, see write_chunk).
        self._reserve(job, (0 if planned is not None else len(records)) + self.chunk_rows)
        job.state["planned"] = planned
        return results

    @staticmethod
    def _take(job, count):
        """The first `count` of the ids kept (there are at least that many)."""
        ids = job.state["ids"]
        taken, ids[:] = ids[:count], ids[count:]
        return taken

    def _ahead(self, job):
        """What the writer thread takes after a chunk's COPYs: the ids kept are the next chunk's,
        these the chunk's after it, so that their COPYs can be prepared before the wait."""
        return ContactAccount, 2 * self.chunk_rows - len(job.state["ids"])

    @staticmethod
    def _reserve(job, count):
        """Keep `count` ids for the next chunk's new contacts, taken while the connection is free."""
        ids = job.state["ids"]
        if len(ids) < count:
            ids.extend(contact_services.contacts_take_ids(count - len(ids)))

    def _checked(self, job, records, chunk, contacts, existing):
        """The check pass's results of this chunk, if what they depend on is unchanged."""
        first_chunk, first_contacts, kept = pickle.load(job.state["checked"])
        if first_chunk != chunk:  # not the same chunks: stop using them
            job.state["checked"] = None
            return None
        if first_contacts != contacts:
            return None
        refs, seen = job.state["refs"], job.state["codes"]
        results = []
        for record, (outcome, errors, output, target) in zip(records, kept):
            result = RowResult(record=record, outcome=outcome, errors=errors)
            code = record.values.get("code", "")
            if code:
                seen.first(code.upper(), record.row)
            if output is not None:
                result.output = dict(zip(_OUTPUT_NAMES, output))
            if target is not None:
                result.payload = (existing.get(code.upper()) if code else None, _target(target, refs))
            results.append(result)
        return results

    def _resolved(self, job, records, refs, seen, tenant, existing, states):
        readers = self._readers(records[0]) if records else {}
        results = []
        for record in records:
            result = RowResult(record=record)
            for column, value, message in record.errors:
                result.error(column, value, message)
            code = record.values.get("code", "")
            contact = existing.get(code.upper()) if code else None
            given = self._given(readers, record, result, blanks=contact is not None)
            if code:
                first = seen.first(code.upper(), record.row)
                if first != record.row:
                    result.error("code", code, f"Duplicate code '{code}' in this file (first on row {first})")
            current = states.get(contact.pk) if contact else None
            target, errors = values.resolve(tenant=tenant, given=given, current=current, refs=refs)
            for name, message in errors.items():
                if name == NON_FIELD_ERRORS:
                    result.error(None, None, message)
                else:
                    column = values.column(name)
                    result.error(column, record.values.get(column, ""), message)
            if result.outcome != ERROR:
                result.output = output_row(target)
                if contact is None:
                    result.outcome = CREATED
                else:
                    result.outcome = UNCHANGED if values.plain(target) == values.plain(current) else UPDATED
                result.payload = (contact, target)
            results.append(result)
        return results

    def write_chunk(self, job, results):
        creates = [r for r in results if r.outcome == CREATED]
        planned, job.state["planned"] = job.state.get("planned"), None
        if planned is not None:
            if len(creates) == len(results) == len(planned[0]) and all(a is b for a, b in zip(planned[0], creates)):
                # Prepared while the chunk before was written.
                job.state["copies"].send(planned[1], then_take=self._ahead(job))
                return
            job.state["ids"][:0] = planned[2]
        self._settle(job)
        blanks = [r for r in creates if not r.payload[1]["code"]]
        for result, code in zip(blanks, contact_services.contact_codes_allocate(tenant=job.tenant, count=len(blanks))):
            result.payload[1]["code"] = code
            result.output["code"] = code
        for result in results:
            if result.outcome == UPDATED:
                contact, target = result.payload
                contact_services.contact_write(contact=contact, target=target)
        if creates:
            targets = [r.payload[1] for r in creates]
            ids = job.state["ids"]
            if job.state["copies"] is not None and len(ids) >= len(creates):
                taken = self._take(job, len(creates))
                job.state["copies"].send(contact_services.contacts_copy_plans(tenant=job.tenant, targets=targets, ids=taken),
                                         then_take=self._ahead(job))
            else:
                contact_services.contacts_bulk_create(tenant=job.tenant, targets=targets, background=job.state["copies"])

    def after_check(self, job):
        self._settle(job)

    def finish(self, job, counts):
        ctx = job.ctx
        event_record(
            tenant=job.tenant, user=ctx.actor, action="contacts.imported", interface=ctx.interface, run_ref=ctx.run.uuid,
            message=f"{ctx.interface.description}: {counts['created']} contact accounts created, {counts['updated']} updated.",
            after={name: counts[name] for name in ("rows", "created", "updated", "unchanged", "errors")},
        )
