"""Contact import (import-formats §3): create and update contact accounts, their primary address,
contact person and bank details, from the template's 45 columns.

Rows are resolved by the same value rules as the contact pages (`finance.contacts.values`), with
every reference table held in memory and the chunk's existing contacts fetched together, so a
chunk of 2,000 rows costs a handful of queries. New contacts are written with bulk inserts;
changed ones through the contact service's writer.
"""

from django.core.exceptions import NON_FIELD_ERRORS

from finance.audit.services import event_record
from finance.contacts import services as contact_services
from finance.contacts import values
from finance.contacts.models import ContactAccount
from finance.dataformats import cells
from finance.dataformats.columns import CONTACT_COLUMNS

from .tabular import CREATED, ERROR, UNCHANGED, UPDATED, RowResult, TabularKind, file_options

FLAG_FIELDS = set(values.FLAGS) | {"address_accept_delivery_flag"}
TEXT_COLUMNS = {c.name for c in CONTACT_COLUMNS if c.is_text}


def field_of(column):
    """`address.postcode` -> `address_postcode` (the contact value rules' names)."""
    return column.replace(".", "_", 1)


def output_row(plain):
    """The produced file's cells for a resolved contact (normalised values)."""
    row = {}
    for column in CONTACT_COLUMNS:
        value = plain.get(field_of(column.name))
        if column.kind == "flag":
            row[column.name] = "y" if value else "n"
        elif value is None:
            row[column.name] = ""
        else:
            row[column.name] = str(value)
    return row


class ContactImport(TabularKind):
    key = "contact_import"
    label = "Contact import"
    file_format = "contacts"
    columns = CONTACT_COLUMNS
    mandatory = ("code",)
    produced_name = "Contact import file.csv"
    options = file_options()

    def begin(self, job):
        job.state["refs"] = values.References(job.tenant)
        job.state["codes"] = {}  # code -> the row it first appeared on (E08)

    def _given(self, job, record, result):
        """The row's values for the contact rules; cells that cannot be read become errors."""
        given = {}
        for column, text in record.values.items():
            name = field_of(column)
            if name not in values.FIELDS:
                continue
            if text and column == "credit_limit":
                try:
                    given[name] = cells.amount(text)
                except cells.CellError as error:
                    result.error(column, text, str(error))
                continue
            if text and column in TEXT_COLUMNS:
                text = cells.unescape_formula(text)
            given[name] = text
        return given

    def check_chunk(self, job, records):
        refs, seen = job.state["refs"], job.state["codes"]
        codes = {r.values.get("code", "").upper() for r in records if r.values.get("code")}
        existing = {c.code.upper(): c for c in ContactAccount.objects.filter(tenant=job.tenant, code__in=codes)}
        states = contact_services.contact_states(list(existing.values()), refs) if existing else {}
        results = []
        for record in records:
            result = RowResult(record=record)
            for column, value, message in record.errors:
                result.error(column, value, message)
            given = self._given(job, record, result)
            code = record.values.get("code", "")
            key = code.upper()
            contact = existing.get(key) if code else None
            if code and key in seen:
                result.error("code", code, f"Duplicate code '{code}' in this file (first on row {seen[key]})")
            elif code:
                seen[key] = record.row
            current = states.get(contact.pk) if contact else None
            target, errors = values.resolve(tenant=job.tenant, given=given, current=current, refs=refs)
            for name, message in errors.items():
                if name == NON_FIELD_ERRORS:
                    result.error(None, None, message)
                else:
                    column = values.column(name)
                    result.error(column, record.values.get(column, ""), message)
            if result.outcome != ERROR:
                plain = values.plain(target)
                result.output = output_row(plain)
                if contact is None:
                    result.outcome = CREATED
                else:
                    result.outcome = UNCHANGED if plain == values.plain(current) else UPDATED
                result.payload = (contact, target)
            results.append(result)
        return results

    def write_chunk(self, job, results):
        creates = [r for r in results if r.outcome == CREATED]
        blanks = [r for r in creates if not r.payload[1]["code"]]
        for result, code in zip(blanks, contact_services.contact_codes_allocate(tenant=job.tenant, count=len(blanks))):
            result.payload[1]["code"] = code
            result.output["code"] = code
        if creates:
            contact_services.contacts_bulk_create(tenant=job.tenant, targets=[r.payload[1] for r in creates])
        for result in results:
            if result.outcome == UPDATED:
                contact, target = result.payload
                contact_services.contact_write(contact=contact, target=target)

    def finish(self, job, counts):
        ctx = job.ctx
        event_record(
            tenant=job.tenant, user=ctx.actor, action="contacts.imported", interface=ctx.interface, run_ref=ctx.run.uuid,
            message=f"{ctx.interface.description}: {counts['created']} contact accounts created, {counts['updated']} updated.",
            after={name: counts[name] for name in ("rows", "created", "updated", "unchanged", "errors")},
        )
