"""note_create, note_update and note_delete."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from finance.audit.models import Event
from finance.contacts.models import Note, NoteCategory
from finance.contacts.services import note_create, note_delete, note_update

from .factories import ContactAccountFactory, note_time

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(scoped, world_a):
    return world_a.contact


def test_a_note_takes_the_default_category_and_records_its_author(contact, world_a):
    note = note_create(contact=contact, actor=world_a.accountant.user, note_date=note_time(), body="Asked for a remittance.")
    assert note.category.code == "GENERAL" and note.created_by == world_a.accountant.user
    event = Event.objects.get(action="note.created")
    assert event.after["contact_account"] == "ACME-STAT" and event.after["body"] == "Asked for a remittance."
    assert event.after["note_date"] == "2026-03-05T10:15:00+00:00"
    assert event.after["category"] == "GENERAL"


def test_a_note_can_name_its_category_and_follow_up_date(contact):
    note = note_create(
        contact=contact, actor=None, note_date=datetime.date(2026, 3, 6), body="SEN top-up confirmed.", subject="SEN",
        category="credit", author="Demo Accountant", follow_up_date=datetime.date(2026, 3, 12), note_ref="TS-1",
    )
    assert note.category.code == "CREDIT" and note.follow_up_date == datetime.date(2026, 3, 12)
    # A date alone means midnight, London time.
    assert timezone.localtime(note.note_date).time() == datetime.time(0, 0)


def test_bad_note_values_are_refused_and_nothing_is_written(contact):
    notes, events = Note.objects.count(), Event.objects.count()
    with pytest.raises(ValidationError) as raised:
        note_create(contact=contact, actor=None, note_date=None, body=" ", category="NOPE", subject="s" * 101)
    assert raised.value.message_dict == {
        "note_date": ["note_date is required"],
        "body": ["body is required"],
        "category": ["Note category 'NOPE' does not exist"],
        "subject": ["Value for subject is too long (101 characters, maximum 100)"],
    }
    assert (Note.objects.count(), Event.objects.count()) == (notes, events)


def test_a_note_reference_is_unique_per_contact_account_whatever_its_case(contact, scoped):
    note_create(contact=contact, actor=None, note_date=note_time(), body="One", note_ref="TS-2026-001")
    with pytest.raises(ValidationError) as raised:
        note_create(contact=contact, actor=None, note_date=note_time(), body="Two", note_ref="ts-2026-001")
    assert raised.value.message_dict == {"note_ref": ["Note reference 'ts-2026-001' already exists on contact account ACME-STAT"]}
    other = ContactAccountFactory(tenant=scoped, code="OTHER")
    assert note_create(contact=other, actor=None, note_date=note_time(), body="Two", note_ref="TS-2026-001")


def test_without_a_default_category_one_must_be_chosen(contact):
    NoteCategory.objects.update(is_default=False)
    with pytest.raises(ValidationError) as raised:
        note_create(contact=contact, actor=None, note_date=note_time(), body="One")
    assert raised.value.message_dict == {"category": ["There is no default note category; choose a category"]}


def test_an_update_records_only_what_changed(world_a, scoped):
    note = world_a.note
    note_update(note=note, actor=None, subject=note.subject, body=note.body)
    assert not Event.objects.filter(action="note.updated").exists()
    note_update(note=note, actor=None, subject="Remittance query", category="QUERY")
    event = Event.objects.get(action="note.updated")
    assert event.after == {"subject": "Remittance query", "category": "QUERY"}
    assert event.before["category"] == "GENERAL"
    assert Note.objects.get(pk=note.pk).subject == "Remittance query"


def test_an_invalid_update_changes_nothing(world_a, scoped):
    note = world_a.note
    with pytest.raises(ValidationError):
        note_update(note=note, actor=None, subject="Changed", body="")
    assert note.subject != "Changed"
    assert Note.objects.get(pk=note.pk).body == "Called about the last invoice."
    assert not Event.objects.filter(action="note.updated").exists()


def test_deleting_a_note_keeps_its_text_in_the_event_log(world_a, scoped):
    note = world_a.note
    note_delete(note=note, actor=world_a.owner.user)
    assert not Note.objects.filter(pk=note.pk).exists()
    event = Event.objects.get(action="note.deleted")
    assert event.before["body"] == "Called about the last invoice." and event.after is None
