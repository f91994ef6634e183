"""Contact accounts, their reference data and their notes: every change writes the Event log in
the same transaction, and invalid input raises ValidationError({field: message}) having written
nothing."""

import operator
import uuid
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from finance.audit.services import event_record
from finance.bulk import bulk_cursor, insert_rows
from finance.ledger.models import NumberSeries

from . import bulk, validators, values
from .models import (
    ContactAccount,
    ContactAddress,
    ContactBankAccount,
    ContactClassification,
    ContactGroup,
    ContactPerson,
    Note,
    NoteCategory,
    ResourceGroup,
)

CONTACT_SERIES = "CONTACT"

ACCOUNT_FIELDS = tuple(
    sorted(values.FIELDS - set(values.ADDRESS_FIELDS) - set(values.PERSON_FIELDS) - set(values.BANK_FIELDS))
)

# The sub-objects written with an account: (model, {field: attribute}, "nothing to keep" test).
def _no_address(t):
    return (not (t["address_address"] or t["address_town"] or t["address_county"] or t["address_postcode"])
            and t["address_accept_delivery_flag"] and t["address_country_code"] == t["country_code"])


def _no_person(t):
    return not (t["contact_name"] or t["contact_email"] or t["contact_phone"] or t["contact_mobile"])


def _no_bank(t):
    return not (t["bank_account_name"] or t["bank_sort_code"] or t["bank_account_no"] or t["bank_iban"]
                or t["bank_bic"])


CHILDREN = (
    (ContactAddress, values.ADDRESS_FIELDS, _no_address),
    (ContactPerson, values.PERSON_FIELDS, _no_person),
    (ContactBankAccount, values.BANK_FIELDS, _no_bank),
)



def _child_row(contact, model):
    if contact.pk is None:
        return None
    queryset = model.objects.filter(tenant_id=contact.tenant_id, contact=contact)
    if model is not ContactBankAccount:
        queryset = queryset.filter(is_primary=True)
    return queryset.first()


def contact_state(contact):
    """The contact's present values, field by field (references as objects)."""
    state = {name: getattr(contact, values.ACCOUNT_ATTRS.get(name, name)) for name in ACCOUNT_FIELDS}
    for model, fields, _ in CHILDREN:
        row = _child_row(contact, model)
        for name, attr in fields.items():
            if row is not None:
                state[name] = getattr(row, attr)
            elif name == "address_country_code":
                state[name] = None  # no address yet: it follows the account's country
            elif name == "address_accept_delivery_flag":
                state[name] = True
            else:
                state[name] = ""
    return state


def contact_states(contacts, refs):
    """{contact pk: state} for many contacts with four queries in all: their references come from
    `refs` (a values.References), their address, person and bank record from one query each."""
    states = {}
    ids = [c.pk for c in contacts]
    children = {}
    for model, _fields, _ in CHILDREN:
        queryset = model.objects.filter(contact_id__in=ids)
        if model is not ContactBankAccount:
            queryset = queryset.filter(is_primary=True).order_by("id")
        found = {}
        for row in queryset:
            found.setdefault(row.contact_id, row)
        children[model] = found
    for contact in contacts:
        state = {}
        for name in ACCOUNT_FIELDS:
            attr = values.ACCOUNT_ATTRS.get(name, name)
            if name in values.REFERENCES:
                pk = getattr(contact, f"{attr}_id")
                state[name] = refs.by_id[name].get(pk) if pk is not None else None
            else:
                state[name] = getattr(contact, attr)
        for model, fields, _ in CHILDREN:
            row = children[model].get(contact.pk)
            for name, attr in fields.items():
                if row is not None:
                    state[name] = getattr(row, attr)
                elif name == "address_country_code":
                    state[name] = None
                elif name == "address_accept_delivery_flag":
                    state[name] = True
                else:
                    state[name] = ""
        states[contact.pk] = state
    return states


# A new account's model fields: those written as they are, then the references (as their ids).
_PLAIN_FIELDS = tuple(name for name in ACCOUNT_FIELDS if name not in values.REFERENCES)
_REFERENCE_FIELDS = tuple(name for name in ACCOUNT_FIELDS if name in values.REFERENCES)
_PLAIN_MODEL_FIELDS = tuple(values.ACCOUNT_ATTRS.get(name, name) for name in _PLAIN_FIELDS)
_REFERENCE_MODEL_FIELDS = tuple(values.ACCOUNT_ATTRS.get(name, name) for name in _REFERENCE_FIELDS)
_plain_values = operator.itemgetter(*_PLAIN_FIELDS)
_reference_values = operator.itemgetter(*_REFERENCE_FIELDS)
# getattr(reference, "id", None) for each reference: its id, None for None (each reference's
# primary key is its `id`, see the check below), in one call to map.
_ID_NAMES, _NO_IDS = ("id",) * len(_REFERENCE_FIELDS), (None,) * len(_REFERENCE_FIELDS)
if any(ContactAccount._meta.get_field(name).target_field.attname != "id" for name in _REFERENCE_MODEL_FIELDS):
    raise RuntimeError("A contact reference's primary key is not `id`: _account_values must read it otherwise")


def _account_values(target):
    """A new account's values from a resolved target: `_PLAIN_MODEL_FIELDS`, then
    `_REFERENCE_MODEL_FIELDS` as ids."""
    return [*_plain_values(target), *map(getattr, _reference_values(target), _ID_NAMES, _NO_IDS)]


_COPY_LIMIT_AT = 4 + _PLAIN_MODEL_FIELDS.index("credit_limit")  # in a row of contacts_copy_plans


def contacts_take_ids(count):
    """`count` ids from the contact accounts' sequence (PostgreSQL), for `contacts_copy_plans`. An
    id taken and not used is a gap in the numbering, as after any rolled-back insert."""
    with bulk_cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                       [ContactAccount._meta.db_table, count])
        return [row[0] for row in cursor.fetchall()]


def contacts_copy_plans(*, tenant, targets, ids):
    """The COPYs (`bulk.copy_plan`s) that create contacts from resolved targets (codes given) with
    these ids, in the order of `targets`: the accounts, then their address, person and bank record
    where the target has them. Reads nothing from the database: they may be prepared while the
    connection is busy, and sent later (`bulk.copy_send`, or a `bulk.BackgroundCopies`)."""
    # The time and the amounts as COPY reads them: psycopg's formatting of a datetime or a Decimal
    # costs more, row by row, than the rest of an account together.
    now = timezone.now().isoformat()
    tenant_id = tenant.pk
    names = ["id", "tenant", "created_at", "updated_at", *_PLAIN_MODEL_FIELDS, *_REFERENCE_MODEL_FIELDS]
    rows = [[pk, tenant_id, now, now, *_account_values(target)] for pk, target in zip(ids, targets)]
    for row in rows:
        if row[_COPY_LIMIT_AT] is not None:
            row[_COPY_LIMIT_AT] = str(row[_COPY_LIMIT_AT])
    # The uuid is the database's (its default on PostgreSQL, migration 0004).
    plans = [bulk.copy_plan(ContactAccount, names, rows, database_defaults=("uuid",))]
    for model, fields, is_empty in CHILDREN:
        get = operator.itemgetter(*fields)
        rows = [(tenant_id, pk, *get(target)) for pk, target in zip(ids, targets) if not is_empty(target)]
        if rows:
            plans.append(bulk.copy_plan(model, ["tenant", "contact", *fields.values()], rows))
    return plans


def contacts_bulk_create(*, tenant, targets, background=None):
    """Create contacts from resolved targets (codes already given) with multi-row inserts (COPY on
    PostgreSQL): the accounts, then their address, person and bank record where the target has
    them. Returns the new accounts' ids in the order of `targets`. Writes no Event: the caller
    records one for the whole batch.

    With `background` (a `bulk.BackgroundCopies`, PostgreSQL) the COPYs are sent from its thread
    and this returns once they are handed over: the caller waits for it before it uses the
    connection again."""
    if not targets:
        return []
    if not connection.features.can_return_rows_from_bulk_insert:
        return _contacts_bulk_create_orm(tenant=tenant, targets=targets)
    if connection.vendor != "postgresql":
        now = timezone.now()
        tenant_id, uuid4 = tenant.pk, uuid.uuid4
        rows = [[tenant_id, uuid4(), now, now, *_account_values(target)] for target in targets]
        names = ["tenant", "uuid", "created_at", "updated_at", *_PLAIN_MODEL_FIELDS, *_REFERENCE_MODEL_FIELDS]
        ids = insert_rows(ContactAccount, names, rows, returning_id=True)
        for model, fields, is_empty in CHILDREN:
            rows = [(tenant.pk, pk, *(target[name] for name in fields)) for pk, target in zip(ids, targets)
                    if not is_empty(target)]
            insert_rows(model, ["tenant", "contact", *fields.values()], rows)
        return ids
    # PostgreSQL: the accounts' ids taken from their sequence first (one query), so that the
    # accounts and the rows that name them can all go in with COPY, in the order of `targets`.
    ids = contacts_take_ids(len(targets))
    plans = contacts_copy_plans(tenant=tenant, targets=targets, ids=ids)
    if background is not None:
        background.send(plans)
    else:
        with bulk_cursor() as cursor:
            for plan in plans:
                bulk.copy_send(cursor, plan)
    return ids


def contacts_background_copies():
    """A `bulk.BackgroundCopies` for `contacts_bulk_create` (PostgreSQL), or None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    return bulk.BackgroundCopies([ContactAccount, *(model for model, _fields, _ in CHILDREN)])


def _contacts_bulk_create_orm(*, tenant, targets, batch_size=1000):
    """contacts_bulk_create for a database that cannot return the ids of a multi-row insert."""
    accounts = []
    for target in targets:
        contact = ContactAccount(tenant=tenant)
        for name in ACCOUNT_FIELDS:
            setattr(contact, values.ACCOUNT_ATTRS.get(name, name), target[name])
        accounts.append(contact)
    ContactAccount.objects.bulk_create(accounts, batch_size=batch_size)
    for model, fields, is_empty in CHILDREN:
        rows = []
        for contact, target in zip(accounts, targets):
            if is_empty(target):
                continue
            row = model(tenant=tenant, contact=contact)
            for name, attr in fields.items():
                setattr(row, attr, target[name])
            rows.append(row)
        model.objects.bulk_create(rows, batch_size=batch_size)
    return [contact.pk for contact in accounts]


def contact_write(*, contact, target):
    """Write a resolved target over an existing contact (the import's update); no Event."""
    _write(contact, target)


def contact_codes_allocate(*, tenant, count):
    """`count` free codes from the CONTACT series, taken together (locked until commit)."""
    if count <= 0:
        return []
    series = NumberSeries.objects.select_for_update().filter(tenant=tenant, code__iexact=CONTACT_SERIES).first()
    if series is None:
        raise ValidationError({"code": f"Enter a code: the number series '{CONTACT_SERIES}' does not exist"})
    codes, number = [], series.next_number
    while len(codes) < count:
        candidates = [series.format(n) for n in range(number, number + (count - len(codes)))]
        taken = {c.upper() for c in ContactAccount.objects.filter(tenant=tenant, code__in=candidates).values_list("code", flat=True)}
        codes.extend(c for c in candidates if c.upper() not in taken)
        number += len(candidates)
    series.next_number = number
    series.save(update_fields=["next_number"])
    return codes


def contact_snapshot(contact):
    """The contact's values as plain data (codes, text, flags): for comparing and exporting."""
    return values.plain(contact_state(contact))


def _code_taken(tenant, code, exclude=None):
    queryset = ContactAccount.objects.filter(tenant=tenant, code__iexact=code)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.exists()


def _duplicate_code(given):
    return f"Contact account code '{validators.clean_text(given)}' already exists"


def contact_next_code(*, tenant):
    """Take the next free code from the tenant's CONTACT number series (locked until commit)."""
    series = NumberSeries.objects.select_for_update().filter(tenant=tenant, code__iexact=CONTACT_SERIES).first()
    if series is None:
        raise ValidationError({"code": f"Enter a code: the number series '{CONTACT_SERIES}' does not exist"})
    number = series.next_number
    # A code typed by hand may already hold a number of the series: skip it.
    while _code_taken(tenant, series.format(number)):
        number += 1
    series.next_number = number + 1
    series.save(update_fields=["next_number"])
    return series.format(number)


def _write(contact, target):
    for name in ACCOUNT_FIELDS:
        setattr(contact, values.ACCOUNT_ATTRS.get(name, name), target[name])
    contact.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        # Another request took the code between our check and the insert.
        raise ValidationError({"code": _duplicate_code(contact.code)}) from None
    for model, fields, is_empty in CHILDREN:
        row = _child_row(contact, model)
        if is_empty(target):
            if row is not None:
                row.delete()
            continue
        row = row or model(tenant_id=contact.tenant_id, contact=contact)
        for name, attr in fields.items():
            setattr(row, attr, target[name])
        row.full_clean(exclude=["contact"], validate_unique=False, validate_constraints=False)
        row.save()


@transaction.atomic
def contact_create(*, tenant, actor, **fields):
    """Create a contact account with its primary address, contact person and bank details.

    Fields are named as in `values.FIELDS`; reference fields take a code or the object. A blank
    code takes the next number of the CONTACT series.
    """
    target, errors = values.resolve(tenant=tenant, given=fields)
    if target.get("code") and "code" not in errors and _code_taken(tenant, target["code"]):
        errors["code"] = _duplicate_code(fields["code"])
    if errors:
        raise ValidationError(errors)
    if not target["code"]:
        target["code"] = contact_next_code(tenant=tenant)
    contact = ContactAccount(tenant=tenant)
    _write(contact, target)
    event_record(
        tenant=tenant,
        user=actor,
        action="contact.created",
        obj=contact,
        message=f"Contact account {contact.code} was created.",
        after=_jsonable(values.plain(target)),
    )
    return contact


@transaction.atomic
def contact_update(*, contact, actor, **fields):
    """Change the given fields of a contact account; absent fields keep their values.

    A blank value takes the field's default. Nothing is written, and no event recorded, when
    the normalised values do not change.
    """
    tenant = contact.tenant
    current = contact_state(contact)
    target, errors = values.resolve(tenant=tenant, given=fields, current=current)
    if "code" in fields and "code" not in errors:
        if not target["code"]:
            errors["code"] = "code is required"
        elif target["code"] != current["code"] and _code_taken(tenant, target["code"], exclude=contact):
            errors["code"] = _duplicate_code(fields["code"])
    if errors:
        raise ValidationError(errors)
    before, after = values.plain(current), values.plain(target)
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return contact
    _write(contact, target)
    event_record(
        tenant=tenant,
        user=actor,
        action="contact.updated",
        obj=contact,
        message=f"Contact account {contact.code} was changed: {', '.join(values.column(n) for n in changed)}.",
        before=_jsonable({name: before[name] for name in changed}),
        after=_jsonable({name: after[name] for name in changed}),
    )
    return contact


def _jsonable(data):
    return {name: (value if isinstance(value, (str, bool, int, type(None))) else str(value)) for name, value in data.items()}


REFERENCE_KINDS = {
    "classification": (ContactClassification, "Contact classification"),
    "group": (ContactGroup, "Contact group"),
    "resource_group": (ResourceGroup, "Resource group"),
    "note_category": (NoteCategory, "Note category"),
}


@transaction.atomic
def contact_reference_create(*, tenant, actor, kind, code, name, is_default=False):
    """Add a contact classification, contact group, resource group or note category.

    `is_default` applies to note categories: the new one becomes the only default.
    """
    model, thing = REFERENCE_KINDS[kind]
    errors = {}
    try:
        code = validators.code(validators.text(code, "code", 50))
    except ValueError as error:
        errors["code"] = str(error)
    name = validators.clean_text(name)
    if not name:
        errors["name"] = "name is required"
    elif len(name) > 250:
        errors["name"] = f"Value for name is too long ({len(name)} characters, maximum 250)"
    if "code" not in errors and model.objects.filter(tenant=tenant, code__iexact=code).exists():
        errors["code"] = f"{thing} '{code}' already exists"
    if errors:
        raise ValidationError(errors)
    obj = model(tenant=tenant, code=code, name=name)
    if kind == "note_category" and is_default:
        NoteCategory.objects.filter(tenant=tenant, is_default=True).update(is_default=False)
        obj.is_default = True
    obj.full_clean(validate_constraints=False)
    obj.save()
    event_record(
        tenant=tenant,
        user=actor,
        action=f"contact_{kind}.created",
        obj=obj,
        message=f"{thing} {code} was created.",
        after={"code": code, "name": name} | ({"is_default": True} if getattr(obj, "is_default", False) else {}),
    )
    return obj


# Notes -------------------------------------------------------------------------------------

NOTE_TEXT = {"subject": 100, "body": 4000, "author": 150, "note_ref": 50}
NOTE_FIELDS = frozenset(NOTE_TEXT) | {"note_date", "category", "follow_up_date"}


def note_snapshot(note):
    """A note's values as plain data, named as the Notes import's columns."""
    return {
        "contact_account": note.contact.code,
        "note_date": timezone.localtime(note.note_date).isoformat(),
        "subject": note.subject,
        "body": note.body,
        "category": note.category.code,
        "author": note.author,
        "follow_up_date": note.follow_up_date.isoformat() if note.follow_up_date else "",
        "note_ref": note.note_ref,
    }


class NoteReferences:
    """The tenant's note categories, loaded once (one query): for the Notes import, which resolves
    thousands of notes with the same rules as `note_create` without a query per note."""

    def __init__(self, tenant):
        self.tenant = tenant
        categories = list(NoteCategory.objects.filter(tenant=tenant))
        self.by_code = {c.code.upper(): c for c in categories}
        self.by_id = {c.pk: c for c in categories}
        self.default = next((c for c in categories if c.is_default), None)


def _note_category(tenant, value, refs=None):
    if values.is_blank(value):
        if refs is not None:
            found = refs.default
        else:
            found = NoteCategory.objects.filter(tenant=tenant, is_default=True).first()
        if found is None:
            raise ValueError("There is no default note category; choose a category")
        return found
    if isinstance(value, NoteCategory):
        if value.tenant_id != tenant.pk:
            raise ValueError(f"Note category '{value.code}' does not exist")
        return value
    code = validators.clean_text(value)
    if refs is not None:
        found = refs.by_code.get(code.upper())
    else:
        found = NoteCategory.objects.filter(tenant=tenant, code__iexact=code).first()
    if found is None:
        raise ValueError(f"Note category '{code}' does not exist")
    return found


def _note_datetime(value):
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time()))
    raise ValueError("note_date is required" if values.is_blank(value) else f"Invalid value '{value}' for note_date")


def _follow_up(value):
    if values.is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise ValueError(f"Invalid value '{value}' for follow_up_date")


def _note_values(note, given, refs=None):
    """Apply `given` to `note` (unsaved changes); returns {field: message} errors.

    With `refs` (a NoteReferences) categories come from memory and the uniqueness of note_ref is
    left to the caller, so no query is made (the Notes import matches notes by note_ref itself)."""
    unknown = set(given) - NOTE_FIELDS
    if unknown:
        raise TypeError(f"Unknown note fields: {', '.join(sorted(unknown))}")
    errors = {}
    tenant = refs.tenant if refs is not None else note.contact.tenant
    for name, value in given.items():
        try:
            if name == "note_date":
                note.note_date = _note_datetime(value)
            elif name == "follow_up_date":
                note.follow_up_date = _follow_up(value)
            elif name == "category":
                note.category = _note_category(tenant, value, refs)
            else:
                setattr(note, name, validators.text(value, name, NOTE_TEXT[name]))
        except ValueError as error:
            errors[name] = str(error)
    if "body" not in errors and not note.body:
        errors["body"] = "body is required"
    ref = note.note_ref
    if ref and "note_ref" not in errors and refs is None:
        clash = Note.objects.filter(tenant=tenant, contact=note.contact, note_ref__iexact=ref).exclude(pk=note.pk)
        if clash.exists():
            errors["note_ref"] = f"Note reference '{ref}' already exists on contact account {note.contact.code}"
    return errors


def note_resolve(note, given, *, refs):
    """Apply `given` to `note` with the rules of `note_create` / `note_update`, reading categories
    from `refs` and making no query; returns {field: message} errors. The caller makes sure
    note_ref stays unique per contact account."""
    return _note_values(note, given, refs)


def notes_bulk_create(*, notes, batch_size=1000):
    """Insert resolved notes with bulk inserts. Writes no Event: the caller records one for the
    whole batch."""
    return Note.objects.bulk_create(notes, batch_size=batch_size)


NOTE_WRITTEN_FIELDS = ("note_date", "subject", "body", "category", "author", "follow_up_date", "note_ref")


def notes_bulk_update(*, notes, batch_size=1000):
    """Write resolved changes over existing notes in bulk; no Event (the caller records one)."""
    if notes:
        Note.objects.bulk_update(notes, NOTE_WRITTEN_FIELDS, batch_size=batch_size)


@transaction.atomic
def note_create(*, contact, actor, note_date, body, subject="", category=None, author="", follow_up_date=None, note_ref=""):
    """Attach a dated note to a contact account (category: the default one when not given)."""
    note = Note(tenant_id=contact.tenant_id, contact=contact, created_by=actor)
    errors = _note_values(
        note,
        {"note_date": note_date, "body": body, "subject": subject, "category": category, "author": author,
         "follow_up_date": follow_up_date, "note_ref": note_ref},
    )
    if errors:
        raise ValidationError(errors)
    note.full_clean(exclude=["contact", "created_by"], validate_unique=False, validate_constraints=False)
    note.save()
    event_record(
        tenant=contact.tenant,
        user=actor,
        action="note.created",
        obj=note,
        message=f"A note was added to contact account {contact.code}.",
        after=note_snapshot(note),
    )
    return note


@transaction.atomic
def note_update(*, note, actor, **fields):
    """Change the given fields of a note; nothing is written when nothing changes."""
    before = note_snapshot(note)
    errors = _note_values(note, fields)
    if errors:
        note.refresh_from_db()
        raise ValidationError(errors)
    after = note_snapshot(note)
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return note
    note.full_clean(exclude=["contact", "created_by"], validate_unique=False, validate_constraints=False)
    note.save()
    event_record(
        tenant=note.contact.tenant,
        user=actor,
        action="note.updated",
        obj=note,
        message=f"A note on contact account {note.contact.code} was changed: {', '.join(changed)}.",
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return note


@transaction.atomic
def note_delete(*, note, actor):
    """Delete a note for good; the Event log keeps its full content in `before`."""
    event_record(
        tenant=note.contact.tenant,
        user=actor,
        action="note.deleted",
        obj=note,
        message=f"A note was deleted from contact account {note.contact.code}.",
        before=note_snapshot(note),
    )
    note.delete()
