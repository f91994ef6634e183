"""Contact account detail, create and edit pages."""

import pytest
from django.urls import reverse

from finance.audit.models import Event
from finance.contacts import values
from finance.contacts.models import ContactAccount, ContactClassification
from finance.contacts.services import contact_create, contact_snapshot
from finance.ledger.models import PaymentTerm
from finance.tenancy import scope

pytestmark = pytest.mark.django_db


def url(name, contact=None, slug="alpha", **kwargs):
    if contact is not None:
        kwargs["contactaccount_id"] = contact.uuid
    return reverse(f"contacts:{name}", kwargs={"tenant_slug": slug, **kwargs})


@pytest.fixture
def acme(tenant):
    with scope.activate(tenant):
        return contact_create(
            tenant=tenant, actor=None, code="FAB-1", is_supplier=True, is_customer=True, company_name="Fabrikam Ltd",
            address_address="4 Example Road", address_town="Demotown", address_postcode="ZZ1 4AB",
            contact_email="accounts@fabrikam.example", contact_phone="01632 960004",
            bank_account_name="Fabrikam Ltd", bank_sort_code="40-99-14", bank_account_no="50000004",
            bank_iban="DE97999999990000012345", bank_bic="DEMODEFF",
        )


def _uuid(model, tenant, code):
    with scope.disabled():
        return str(model.objects.get(tenant=tenant, code=code).uuid)


def form_data(tenant, **extra):
    return {
        "is_customer": "on", "code": "NEW-1", "contact_type": "C", "company_name": "New Customer Ltd",
        "country_code": "GB", "contact_classification": _uuid(ContactClassification, tenant, "RETAIL"),
        "pay_term": _uuid(PaymentTerm, tenant, "30D"), "address_postcode": "zz1 5ef", "address_accept_delivery_flag": "on",
        "contact_email": "new@customer.example", **extra,
    }


def test_the_detail_page_shows_the_account_with_roles_and_sections(owner_client, acme):
    response = owner_client.get(url("detail", acme))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("FAB-1", "Fabrikam Ltd", "Customer", "Supplier", "4 Example Road", "ZZ1 4AB",
                 "accounts@fabrikam.example", "01632 960004", "40-99-14", "DEMODEFF"):
        assert text in html
    assert 'href="/alpha/contacts/{}/edit/"'.format(acme.uuid) in html
    # Breadcrumbs: environment > Contact accounts > code.
    assert "Alpha Trust" in html and "Contact accounts" in html and 'aria-current="page">FAB-1<' in html


def test_bank_numbers_are_masked_except_their_last_four_characters(owner_client, acme):
    html = owner_client.get(url("detail", acme)).content.decode()
    assert "50000004" not in html and "DE97999999990000012345" not in html
    assert "•••• 0004" in html and "•••• 2345" in html


def test_the_notes_button_shows_the_count_and_works_with_and_without_javascript(owner_client, world_a):
    html = owner_client.get(url("detail", world_a.contact)).content.decode()
    notes_url = url("notes", world_a.contact)
    assert f'href="{notes_url}"' in html and f'hx-get="{notes_url}"' in html
    assert 'data-bs-target="#notes-panel"' in html and 'id="notes-panel"' in html
    assert '<span class="badge text-bg-secondary" id="note-count">1</span>' in html


def test_a_read_only_member_sees_the_account_but_no_edit_button(viewer_client, acme):
    response = viewer_client.get(url("detail", acme))
    assert response.status_code == 200
    assert url("edit", acme) not in response.content.decode()


def test_a_read_only_member_may_not_create_or_edit(viewer_client, tenant, acme):
    with scope.activate(tenant):
        before, count = contact_snapshot(acme), ContactAccount.objects.count()
    assert viewer_client.get(url("create")).status_code == 403
    assert viewer_client.post(url("create"), form_data(tenant)).status_code == 403
    assert viewer_client.get(url("edit", acme)).status_code == 403
    assert viewer_client.post(url("edit", acme), form_data(tenant, company_name="Renamed")).status_code == 403
    with scope.activate(tenant):
        assert (contact_snapshot(acme), ContactAccount.objects.count()) == (before, count)


def test_the_create_form_offers_only_this_environments_reference_data(owner_client, tenant, other_tenant):
    with scope.disabled():
        ContactClassification.objects.create(tenant=other_tenant, code="ONLYB", name="Only in Bravo")
    html = owner_client.get(url("create")).content.decode()
    assert "RETAIL Retail customer" in html and "ONLYB" not in html
    assert 'name="code"' in html and 'name="is_active"' not in html


def test_creating_an_account_goes_to_its_page(accountant_client, tenant):
    response = accountant_client.post(url("create"), form_data(tenant))
    with scope.activate(tenant):
        contact = ContactAccount.objects.get(code="NEW-1")
        snap = contact_snapshot(contact)
    assert response.status_code == 302 and response["Location"] == url("detail", contact)
    assert snap["contact_classification"] == "RETAIL" and snap["address_postcode"] == "ZZ1 5EF"
    assert snap["currency"] == "GBP" and snap["pay_term"] == "30D"
    follow = accountant_client.get(response["Location"])
    assert "Contact account NEW-1 was created." in follow.content.decode()


def test_a_blank_code_takes_the_next_series_number(accountant_client, tenant):
    response = accountant_client.post(url("create"), form_data(tenant, code=""))
    assert response.status_code == 302
    with scope.activate(tenant):
        assert ContactAccount.objects.filter(code="AC000001").exists()


def test_an_invalid_form_is_shown_again_with_the_messages_and_nothing_is_created(accountant_client, tenant):
    with scope.activate(tenant):
        count, events = ContactAccount.objects.count(), Event.objects.count()
    response = accountant_client.post(
        url("create"), form_data(tenant, address_postcode="ZZ1", bank_iban="GB00DEMO20990110000003", code="ACME-STAT")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Invalid UK postcode &#x27;ZZ1&#x27;" in html
    assert "Invalid IBAN &#x27;GB00DEMO20990110000003&#x27;" in html
    assert "Contact account code &#x27;ACME-STAT&#x27; already exists" in html
    assert 'aria-invalid="true"' in html and 'value="New Customer Ltd"' in html
    with scope.activate(tenant):
        assert (ContactAccount.objects.count(), Event.objects.count()) == (count, events)


def test_a_row_rule_without_a_field_is_shown_above_the_form(accountant_client, tenant):
    data = form_data(tenant)
    del data["is_customer"]
    response = accountant_client.post(url("create"), data)
    assert response.status_code == 400
    assert "At least one of is_customer, is_supplier" in response.content.decode()


def test_another_environments_reference_id_is_a_form_error(accountant_client, tenant, other_tenant):
    theirs = _uuid(ContactClassification, other_tenant, "RETAIL")
    response = accountant_client.post(url("create"), form_data(tenant, contact_classification=theirs))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with scope.activate(tenant):
        assert not ContactAccount.objects.filter(code="NEW-1").exists()


def test_the_edit_form_shows_the_present_values(owner_client, acme):
    html = owner_client.get(url("edit", acme)).content.decode()
    assert 'value="Fabrikam Ltd"' in html and 'value="40-99-14"' in html and 'name="code"' not in html
    assert 'name="is_active"' in html and "checked" in html


def edit_data(tenant, contact, **changes):
    """What the edit form posts back unchanged: flags as "on", references as their uuids."""
    with scope.activate(tenant):
        snap = contact_snapshot(contact)
        data = {}
        for name, value in snap.items():
            if name in values.REFERENCES:
                model, _, kind = values.REFERENCES[name]
                if value:
                    data[name] = str(values.reference(tenant, name, value).uuid)
            elif value is True:
                data[name] = "on"
            elif value not in (False, None):
                data[name] = value
    data.pop("code")
    return data | changes


def test_editing_saves_the_changes_and_logs_them(accountant_client, tenant, acme):
    response = accountant_client.post(url("edit", acme), edit_data(tenant, acme, contact_phone="0161 496 0006"))
    assert response.status_code == 302
    with scope.activate(tenant):
        assert contact_snapshot(ContactAccount.objects.get(pk=acme.pk))["contact_phone"] == "0161 496 0006"
        event = Event.objects.get(action="contact.updated")
    assert event.after == {"contact_phone": "0161 496 0006"}


def test_saving_the_edit_form_unchanged_changes_nothing(accountant_client, tenant, acme):
    assert accountant_client.post(url("edit", acme), edit_data(tenant, acme)).status_code == 302
    with scope.activate(tenant):
        assert not Event.objects.filter(action="contact.updated").exists()


def test_an_invalid_edit_changes_nothing(accountant_client, tenant, acme):
    with scope.activate(tenant):
        before = contact_snapshot(acme)
    response = accountant_client.post(url("edit", acme), form_data(tenant, bank_sort_code="40-99-14"))
    assert response.status_code == 400
    assert "bank.sort_code and bank.account_no must be given together" in response.content.decode()
    with scope.activate(tenant):
        assert contact_snapshot(ContactAccount.objects.get(pk=acme.pk)) == before


def test_the_pages_work_the_same_for_an_htmx_request(owner_client, acme):
    response = owner_client.get(url("detail", acme), headers={"HX-Request": "true"})
    assert response.status_code == 200 and b"<html" in response.content
