"""contact_create and contact_update: defaults, codes, references, rules, the Event log."""

from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from finance.audit.models import Event
from finance.contacts.models import ContactAccount, ContactAddress, ContactBankAccount, ContactClassification, ContactPerson
from finance.contacts.services import contact_create, contact_snapshot, contact_update
from finance.ledger.models import NumberSeries
from finance.tenancy import scope

pytestmark = pytest.mark.django_db

ACME = {
    "is_supplier": True,
    "code": "acme-two",
    "company_name": "Acme Two Ltd",
    "contact_classification": "edu",
    "contact_group": "SUPP-EDU",
    "tax_no": "GB 999 0001 01",
    "pay_term": "30d",
    "pay_method": "BACS",
    "address_address": "Unit 1, Example Trading Estate",
    "address_town": "Demotown",
    "address_postcode": "zz11aa",
    "contact_email": "accounts@acme.example",
    "contact_phone": "01632 960001",
    "bank_account_name": "Acme Two Ltd",
    "bank_sort_code": "40 99 11",
    "bank_account_no": "50000001",
}


def _errors(fields, tenant=None, **kwargs):
    with pytest.raises(ValidationError) as raised:
        contact_create(tenant=tenant, actor=None, **fields, **kwargs)
    return raised.value.message_dict


def _counts():
    return (
        ContactAccount.objects.count(),
        ContactAddress.objects.count(),
        ContactPerson.objects.count(),
        ContactBankAccount.objects.count(),
        Event.objects.count(),
        NumberSeries.objects.get(code="CONTACT").next_number,
    )


def test_it_creates_the_account_with_address_person_and_bank_details_normalised(scoped, world_a):
    contact = contact_create(tenant=scoped, actor=world_a.owner.user, **ACME)
    snap = contact_snapshot(contact)
    assert snap["code"] == "ACME-TWO"
    assert snap["contact_classification"] == "EDU" and snap["pay_term"] == "30D"
    assert snap["account_description"] == snap["contact_description"] == "Acme Two Ltd"
    assert snap["currency"] == "GBP" and snap["country_code"] == "GB"
    assert snap["tax_authority"] == "HMRC" and snap["tax_no"] == "GB999000101"
    assert snap["address_postcode"] == "ZZ1 1AA" and snap["address_country_code"] == "GB"
    assert snap["address_accept_delivery_flag"] is True
    assert snap["bank_sort_code"] == "40-99-11" and snap["bank_account_no"] == "50000001"
    assert snap["contact_type"] == "C" and snap["credit_limit"] == "" and snap["contact_name"] == ""
    assert contact.people.get().email == "accounts@acme.example"
    assert contact.addresses.get().is_primary


def test_it_writes_one_event_with_the_new_values(scoped, world_a):
    contact = contact_create(tenant=scoped, actor=world_a.owner.user, **ACME)
    event = Event.objects.get(action="contact.created")
    assert event.actor == world_a.owner.user.email
    assert event.object_uuid == str(contact.uuid)
    assert event.before is None
    assert event.after["code"] == "ACME-TWO" and event.after["bank_sort_code"] == "40-99-11"


def test_a_person_takes_descriptions_and_contact_name_from_first_and_last_name(scoped):
    contact = contact_create(tenant=scoped, actor=None, is_customer=True, contact_type="p", first_name="Alex", last_name="Example")
    snap = contact_snapshot(contact)
    assert snap["contact_type"] == "P"
    assert snap["account_description"] == snap["contact_description"] == snap["contact_name"] == "Alex Example"
    assert snap["tax_authority"] == "" and ContactAddress.objects.filter(contact=contact).count() == 0


def test_the_contact_description_is_cut_to_100_characters(scoped):
    name = "N" * 120
    contact = contact_create(tenant=scoped, actor=None, is_customer=True, company_name=name)
    assert contact.account_description == name and contact.contact_description == name[:100]


def test_a_foreign_tax_number_is_free_text_without_a_tax_authority(scoped):
    contact = contact_create(
        tenant=scoped, actor=None, is_supplier=True, company_name="Fabrikam", country_code="de", tax_no="DE999999999",
        currency="eur", address_postcode="99999",
    )
    snap = contact_snapshot(contact)
    assert snap["tax_authority"] == "" and snap["tax_no"] == "DE999999999" and snap["country_code"] == "DE"
    assert snap["currency"] == "EUR" and snap["address_country_code"] == "DE" and snap["address_postcode"] == "99999"


def test_a_blank_code_takes_the_next_number_of_the_contact_series(scoped):
    first = contact_create(tenant=scoped, actor=None, is_customer=True, company_name="One", code="")
    contact_create(tenant=scoped, actor=None, is_customer=True, company_name="Typed", code="ac000002")
    third = contact_create(tenant=scoped, actor=None, is_customer=True, company_name="Three")
    assert (first.code, third.code) == ("AC000001", "AC000003")
    assert NumberSeries.objects.get(code="CONTACT").next_number == 4


def test_without_a_contact_series_a_code_must_be_given(scoped):
    NumberSeries.objects.filter(code="CONTACT").delete()
    assert _errors({"is_customer": True, "company_name": "One"}, scoped) == {
        "code": ["Enter a code: the number series 'CONTACT' does not exist"]
    }


def test_a_code_that_exists_in_any_case_is_refused(scoped, world_a):
    assert world_a.contact.code == "ACME-STAT"
    errors = _errors({"is_supplier": True, "company_name": "Copy", "code": "acme-stat"}, scoped)
    assert errors == {"code": ["Contact account code 'acme-stat' already exists"]}


def test_the_same_code_in_another_environment_is_fine(scoped, world_b):
    assert contact_create(tenant=scoped, actor=None, is_supplier=True, company_name="Mine", code="ONLY-A")
    with scope.disabled():
        assert not ContactAccount.objects.filter(tenant=world_b.tenant, code="ONLY-A").exists()


def test_another_environments_reference_code_does_not_exist_here(scoped, other_tenant):
    with scope.disabled():
        theirs = ContactClassification.objects.create(tenant=other_tenant, code="ONLYB", name="Only in B")
    assert _errors({**ACME, "contact_classification": "ONLYB"}, scoped) == {
        "contact_classification": ["Contact classification 'ONLYB' does not exist"]
    }
    assert _errors({**ACME, "contact_classification": theirs}, scoped) == {
        "contact_classification": ["Contact classification 'ONLYB' does not exist"]
    }


def test_every_rule_reports_on_its_field_and_nothing_is_written(scoped):
    before = _counts()
    errors = _errors(
        {
            "code": "",
            "contact_type": "C",
            "pay_term": "45D",
            "currency": "XXX",
            "customer_project": "ADMIN",  # a department, not a project
            "address_postcode": "ZZ1",
            "contact_email": "not an address",
            "contact_phone": "123",
            "bank_account_no": "50000001",
            "bank_iban": "GB00DEMO20990110000003",
            "bank_bic": "DEMO",
            "credit_limit": Decimal("-1.00"),
        },
        scoped,
    )
    assert errors == {
        NON_FIELD_ERRORS: ["At least one of is_customer, is_supplier, is_resource, is_staff, is_lead must be y"],
        "company_name": ["company_name is required when contact_type is C"],
        "pay_term": ["Payment term '45D' does not exist"],
        "currency": ["Currency 'XXX' does not exist"],
        "customer_project": ["Project 'ADMIN' does not exist"],
        "address_postcode": ["Invalid UK postcode 'ZZ1'"],
        "contact_email": ["Invalid email address 'not an address'"],
        "contact_phone": ["Invalid phone number '123'"],
        "bank_sort_code": ["bank.sort_code and bank.account_no must be given together"],
        "bank_iban": ["Invalid IBAN 'GB00DEMO20990110000003'"],
        "bank_bic": ["Invalid BIC 'DEMO'"],
        "credit_limit": ["credit_limit must not be negative"],
    }
    assert _counts() == before


def test_a_person_needs_first_and_last_name(scoped):
    assert _errors({"is_customer": True, "contact_type": "P", "first_name": "Alex"}, scoped) == {
        "last_name": ["last_name is required when contact_type is P"]
    }
    assert "contact_type" in _errors({"is_customer": True, "contact_type": "X"}, scoped)


def test_values_are_checked_for_length_flags_and_amounts(scoped):
    errors = _errors(
        {"is_customer": "yes", "company_name": "x" * 151, "credit_limit": "12.345", "address_town": "t" * 101}, scoped
    )
    assert errors == {
        "is_customer": ["Invalid value 'yes' for is_customer: use y or n"],
        "company_name": ["Value for company_name is too long (151 characters, maximum 150)"],
        "credit_limit": ["Amount '12.345' has more than 2 decimal places"],
        "address_town": ["Value for address.town is too long (101 characters, maximum 100)"],
    }


def test_a_bad_hmrc_vat_number_is_refused_but_hmrc_can_be_left_out_abroad(scoped):
    assert _errors({**ACME, "tax_no": "GB123"}, scoped) == {"tax_no": ["Invalid VAT registration number 'GB123'"]}
    assert _errors({**ACME, "tax_no": "123", "country_code": "FR", "tax_authority": "HMRC"}, scoped) == {
        "tax_no": ["Invalid VAT registration number '123'"]
    }


def test_unknown_field_names_are_a_programming_error(scoped):
    with pytest.raises(TypeError):
        contact_create(tenant=scoped, actor=None, is_customer=True, company_name="X", colour="blue")


def _contact(tenant, **extra):
    return contact_create(tenant=tenant, actor=None, **(ACME | extra))


def test_an_update_changes_only_the_given_fields_and_records_them(scoped, world_a):
    contact = _contact(scoped)
    before = contact_snapshot(contact)
    contact_update(contact=contact, actor=world_a.accountant.user, contact_phone="0161 496 0003", pay_term="14D")
    after = contact_snapshot(ContactAccount.objects.get(pk=contact.pk))
    assert {k for k in after if after[k] != before[k]} == {"contact_phone", "pay_term"}
    event = Event.objects.get(action="contact.updated")
    assert event.before == {"contact_phone": "01632 960001", "pay_term": "30D"}
    assert event.after == {"contact_phone": "0161 496 0003", "pay_term": "14D"}


def test_an_update_that_changes_nothing_writes_nothing(scoped):
    contact = _contact(scoped)
    events = Event.objects.count()
    contact_update(contact=contact, actor=None, **ACME)  # the same values, written differently
    contact_update(contact=contact, actor=None, pay_term="30D", bank_sort_code="409911")
    assert Event.objects.count() == events


def test_a_blank_value_on_update_takes_the_default(scoped):
    contact = _contact(scoped, account_description="Something else")
    contact_update(contact=contact, actor=None, account_description="", company_name="Acme Renamed Ltd")
    contact.refresh_from_db()
    assert contact.account_description == "Acme Renamed Ltd"


def test_clearing_the_bank_details_removes_the_bank_record(scoped):
    contact = _contact(scoped)
    contact_update(contact=contact, actor=None, bank_account_name="", bank_sort_code="", bank_account_no="")
    assert not ContactBankAccount.objects.filter(contact=contact).exists()
    assert contact_snapshot(contact)["bank_sort_code"] == ""


def test_an_invalid_update_changes_nothing(scoped):
    contact = _contact(scoped)
    before, events = contact_snapshot(contact), Event.objects.count()
    with pytest.raises(ValidationError) as raised:
        contact_update(contact=contact, actor=None, contact_phone="0161 496 0003", bank_iban="DE97999999990000012346")
    assert raised.value.message_dict == {"bank_iban": ["Invalid IBAN 'DE97999999990000012346'"]}
    assert contact_snapshot(ContactAccount.objects.get(pk=contact.pk)) == before
    assert Event.objects.count() == events


def test_an_update_cannot_take_another_accounts_code_or_blank_it(scoped, world_a):
    contact = _contact(scoped)
    with pytest.raises(ValidationError) as raised:
        contact_update(contact=contact, actor=None, code="Acme-Stat")
    assert raised.value.message_dict == {"code": ["Contact account code 'Acme-Stat' already exists"]}
    with pytest.raises(ValidationError) as raised:
        contact_update(contact=contact, actor=None, code=" ")
    assert raised.value.message_dict == {"code": ["code is required"]}
    contact_update(contact=contact, actor=None, code="acme-three")
    assert ContactAccount.objects.get(pk=contact.pk).code == "ACME-THREE"


def test_without_an_address_the_address_country_follows_the_account(scoped):
    contact = contact_create(tenant=scoped, actor=None, is_customer=True, company_name="No Address Ltd")
    contact_update(contact=contact, actor=None, country_code="FR")
    assert not ContactAddress.objects.filter(contact=contact).exists()
    assert contact_snapshot(contact)["address_country_code"] == "FR"
    contact_update(contact=contact, actor=None, address_town="Paris")
    assert ContactAddress.objects.get(contact=contact).country_code == "FR"
