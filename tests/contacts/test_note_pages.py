"""The notes of a contact account: page, htmx panel, add, edit and delete."""

import pytest
from django.urls import reverse

from finance.audit.models import Event
from finance.contacts.models import Note, NoteCategory
from finance.tenancy import scope

from .factories import ContactAccountFactory, NoteFactory

pytestmark = pytest.mark.django_db


def url(name, contact, note=None):
    kwargs = {"tenant_slug": contact.tenant.slug, "contactaccount_id": contact.uuid}
    if note is not None:
        kwargs["note_id"] = note.uuid
    return reverse(f"contacts:{name}", kwargs=kwargs)


@pytest.fixture
def other_contact(world_a):
    contact = ContactAccountFactory(tenant=world_a.tenant, code="OTHER-1")
    NoteFactory(contact=contact, subject="Belongs to the other account")
    return contact


def test_the_notes_page_is_a_full_page_without_htmx(owner_client, world_a):
    response = owner_client.get(url("notes", world_a.contact))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert world_a.note.subject in html and "Called about the last invoice." in html
    assert f'href="{url("detail", world_a.contact)}"' in html  # breadcrumb back to the account


def test_with_htmx_the_notes_view_answers_only_the_panel(owner_client, world_a):
    response = owner_client.get(url("notes", world_a.contact), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "breadcrumb" not in html
    assert html.lstrip().startswith('<div class="notes-panel-content"')
    assert world_a.note.subject in html and url("note_create", world_a.contact) in html


def test_a_boosted_htmx_request_gets_the_whole_page(owner_client, world_a):
    response = owner_client.get(url("notes", world_a.contact), headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.content.decode()


def test_the_panel_shows_only_that_accounts_notes(owner_client, world_a, other_contact):
    html = owner_client.get(url("notes", world_a.contact), headers={"HX-Request": "true"}).content.decode()
    assert world_a.note.subject in html and "Belongs to the other account" not in html
    other = owner_client.get(url("notes", other_contact), headers={"HX-Request": "true"}).content.decode()
    assert "Belongs to the other account" in other and world_a.note.subject not in other


def test_notes_are_paged_newest_first(owner_client, world_a):
    for n in range(30):
        NoteFactory(contact=world_a.contact, subject=f"Numbered {n:02d}")
    html = owner_client.get(url("notes", world_a.contact), headers={"HX-Request": "true"}).content.decode()
    assert "31 notes" in html and "Page 1 of 2" in html and "?page=2" in html
    assert html.index("Numbered 29") < html.index("Numbered 28")
    second = owner_client.get(url("notes", world_a.contact) + "?page=2", headers={"HX-Request": "true"}).content.decode()
    assert "Page 2 of 2" in second
    assert owner_client.get(url("notes", world_a.contact) + "?page=junk").status_code == 200


def test_a_read_only_member_reads_notes_but_may_not_write_them(viewer_client, world_a):
    contact, note = world_a.contact, world_a.note
    html = viewer_client.get(url("notes", contact), headers={"HX-Request": "true"}).content.decode()
    assert note.subject in html and url("note_create", contact) not in html and url("note_edit", contact, note) not in html
    data = {"note_date": "2026-03-05T10:15", "body": "Not allowed"}
    assert viewer_client.get(url("note_create", contact)).status_code == 403
    assert viewer_client.post(url("note_create", contact), data).status_code == 403
    assert viewer_client.get(url("note_edit", contact, note)).status_code == 403
    assert viewer_client.post(url("note_edit", contact, note), data).status_code == 403
    assert viewer_client.post(url("note_delete", contact, note)).status_code == 403
    with scope.activate(world_a.tenant):
        assert list(Note.objects.values_list("body", flat=True)) == ["Called about the last invoice."]


def test_adding_a_note_uses_the_default_category_and_returns_to_the_notes(accountant_client, world_a):
    form = accountant_client.get(url("note_create", world_a.contact)).content.decode()
    assert 'type="datetime-local"' in form and world_a.accountant.user.full_name in form
    response = accountant_client.post(
        url("note_create", world_a.contact),
        {"note_date": "2026-03-05T10:15", "subject": "Remittance query", "body": "Asked for the remittance advice.",
         "follow_up_date": "2026-03-12", "author": "Demo Accountant"},
    )
    assert response.status_code == 302 and response["Location"] == url("notes", world_a.contact)
    with scope.activate(world_a.tenant):
        note = Note.objects.get(subject="Remittance query")
        assert note.category.code == "GENERAL" and note.created_by == world_a.accountant.user
        assert Event.objects.filter(action="note.created").count() == 1


def test_an_invalid_note_is_shown_again_and_nothing_is_added(accountant_client, world_a):
    response = accountant_client.post(url("note_create", world_a.contact), {"note_date": "05/03/2026", "body": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The note was not saved" in html and "Enter a valid date/time." in html
    with scope.activate(world_a.tenant):
        assert Note.objects.count() == 1


def test_another_environments_category_is_a_form_error(accountant_client, world_a, world_b):
    with scope.disabled():
        theirs = NoteCategory.objects.get(tenant=world_b.tenant, code="GENERAL")
    response = accountant_client.post(
        url("note_create", world_a.contact), {"note_date": "2026-03-05T10:15", "body": "x", "category": str(theirs.uuid)}
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_editing_a_note(accountant_client, world_a):
    contact, note = world_a.contact, world_a.note
    form = accountant_client.get(url("note_edit", contact, note)).content.decode()
    assert note.subject in form and "Delete note" in form
    response = accountant_client.post(
        url("note_edit", contact, note), {"note_date": "2026-03-09T14:00", "subject": "Coach booking", "body": "Booked."}
    )
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        note.refresh_from_db()
        assert (note.subject, note.body) == ("Coach booking", "Booked.")
        assert Event.objects.get(action="note.updated").after["subject"] == "Coach booking"


def test_a_duplicate_reference_on_edit_is_shown_on_its_field(accountant_client, world_a):
    contact = world_a.contact
    NoteFactory(contact=contact, note_ref="TS-1")
    response = accountant_client.post(
        url("note_edit", contact, world_a.note), {"note_date": "2026-03-09T14:00", "body": "x", "note_ref": "ts-1"}
    )
    assert response.status_code == 400
    assert "Note reference &#x27;ts-1&#x27; already exists on contact account ACME-STAT" in response.content.decode()


def test_a_note_is_reached_only_through_its_own_account(owner_client, world_a, other_contact):
    assert owner_client.get(url("note_edit", other_contact, world_a.note)).status_code == 404
    assert owner_client.post(url("note_delete", other_contact, world_a.note)).status_code == 404


def test_deleting_a_note_needs_a_post(accountant_client, world_a):
    contact, note = world_a.contact, world_a.note
    assert accountant_client.get(url("note_delete", contact, note)).status_code == 405
    response = accountant_client.post(url("note_delete", contact, note))
    assert response.status_code == 302 and response["Location"] == url("notes", contact)
    with scope.activate(world_a.tenant):
        assert not Note.objects.filter(pk=note.pk).exists()


def test_the_panel_costs_the_same_queries_whatever_the_number_of_notes(owner_client, world_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(url("notes", world_a.contact), headers={"HX-Request": "true"})
        return len(captured)

    few = queries()
    for n in range(10):
        NoteFactory(contact=world_a.contact)
    assert queries() == few
