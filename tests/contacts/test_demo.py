"""seed_contacts: the §9 reference data and §10 / §19 contact accounts, idempotently."""

import pytest

from finance.audit.models import Event
from finance.contacts.demo import seed_contacts
from finance.contacts.models import ContactAccount, ContactClassification, ContactGroup, NoteCategory, ResourceGroup
from finance.contacts.services import contact_snapshot
from finance.tenancy import scope

from ..factories import TenantFactory
from .factories import ledger_reference

pytestmark = pytest.mark.django_db

DEMO_CODES = ["ACME-STAT", "CONTOSO-EN", "DEMOSHIRE-CC", "FABRIKAM-DE", "NWIND-CAT", "P-EXAMPLE", "TAILSPIN", "WINGTIP-N", "WINGTIP-S"]


@pytest.fixture
def fresh():
    return ledger_reference(TenantFactory(slug="demo"))


def _snapshots(tenant):
    with scope.activate(tenant):
        return {c.code: contact_snapshot(c) for c in ContactAccount.objects.all()}


def test_it_creates_exactly_the_nine_demo_accounts_and_the_reference_data(fresh):
    lines = []
    created = seed_contacts(tenant=fresh, out=lines.append)
    assert created == 8 + 6 + 2 + 3 + 9 and len(lines) == 9
    with scope.activate(fresh):
        assert sorted(ContactAccount.objects.values_list("code", flat=True)) == DEMO_CODES
        assert ContactClassification.objects.count() == 8 and ContactGroup.objects.count() == 6
        assert sorted(ResourceGroup.objects.values_list("code", flat=True)) == ["CONTRACT", "STAFF"]
        assert list(NoteCategory.objects.filter(is_default=True).values_list("code", flat=True)) == ["GENERAL"]
        assert Event.objects.filter(actor="system", action="contact.created").count() == 9
        assert all(c.is_active for c in ContactAccount.objects.all())


def test_the_accounts_hold_the_values_of_the_spec(fresh):
    seed_contacts(tenant=fresh, out=lambda _: None)
    snaps = _snapshots(fresh)
    acme = snaps["ACME-STAT"]
    assert {k: acme[k] for k in ("is_supplier", "is_customer", "company_name", "account_description", "contact_description",
                                  "contact_classification", "contact_group", "tax_authority", "tax_no", "country_code",
                                  "currency", "pay_term", "pay_method", "company_no", "credit_limit")} == {
        "is_supplier": True, "is_customer": False, "company_name": "Acme Stationery Supplies Ltd",
        "account_description": "Acme Stationery Supplies Ltd", "contact_description": "Acme Stationery Supplies Ltd",
        "contact_classification": "EDU", "contact_group": "SUPP-EDU", "tax_authority": "HMRC", "tax_no": "GB999000101",
        "country_code": "GB", "currency": "GBP", "pay_term": "30D", "pay_method": "BACS", "company_no": "99100001",
        "credit_limit": "",
    }
    assert (acme["address_address"], acme["address_postcode"], acme["contact_email"], acme["contact_phone"]) == (
        "Unit 1, Example Trading Estate", "ZZ1 1AA", "accounts@acme-stationery.example", "01632 960001")
    assert (acme["bank_sort_code"], acme["bank_account_no"], acme["address_accept_delivery_flag"]) == ("40-99-11", "50000001", True)

    fabrikam = snaps["FABRIKAM-DE"]
    assert (fabrikam["tax_authority"], fabrikam["tax_no"], fabrikam["country_code"], fabrikam["currency"]) == ("", "DE999999999", "DE", "EUR")
    assert (fabrikam["bank_iban"], fabrikam["bank_bic"], fabrikam["bank_sort_code"]) == ("DE97999999990000012345", "DEMODEFF", "")
    assert (fabrikam["address_postcode"], fabrikam["address_country_code"], fabrikam["address_county"]) == ("99999", "DE", "")

    person = snaps["P-EXAMPLE"]
    assert (person["contact_type"], person["first_name"], person["last_name"], person["account_description"]) == ("P", "Alex", "Example", "Alex Example")
    assert (person["contact_mobile"], person["contact_phone"], person["tax_no"], person["pay_term"]) == ("07700 900009", "", "", "IMM")

    assert snaps["DEMOSHIRE-CC"]["credit_limit"] == "50000.00" and snaps["TAILSPIN"]["credit_limit"] == "5000.00"
    assert snaps["TAILSPIN"]["is_customer"] and snaps["TAILSPIN"]["is_supplier"]
    assert snaps["WINGTIP-N"]["company_name"] == snaps["WINGTIP-S"]["company_name"] == "Wingtip Uniforms Ltd"
    assert snaps["WINGTIP-N"]["tax_no"] != snaps["WINGTIP-S"]["tax_no"]
    with_bank = sorted(code for code, s in snaps.items() if s["bank_account_name"])
    assert with_bank == ["ACME-STAT", "CONTOSO-EN", "FABRIKAM-DE", "NWIND-CAT", "TAILSPIN"]


def test_a_second_run_changes_nothing(fresh):
    seed_contacts(tenant=fresh, out=lambda _: None)
    before = _snapshots(fresh)
    with scope.activate(fresh):
        events = Event.objects.count()
    assert seed_contacts(tenant=fresh, out=lambda _: None) == 0
    assert _snapshots(fresh) == before
    with scope.activate(fresh):
        assert Event.objects.count() == events


def test_an_existing_account_with_a_demo_code_is_left_alone(tenant, world_a):
    with scope.activate(tenant):
        before = contact_snapshot(world_a.contact)
        NoteCategory.objects.filter(code="GENERAL").update(code="MINE")  # the environment's own default
    seed_contacts(tenant=tenant, out=lambda _: None)
    with scope.activate(tenant):
        assert contact_snapshot(ContactAccount.objects.get(code="ACME-STAT")) == before
        assert ContactAccount.objects.count() == 9
        assert list(NoteCategory.objects.filter(is_default=True).values_list("code", flat=True)) == ["MINE"]
        assert NoteCategory.objects.filter(code="GENERAL").exists()


def test_the_harrier_environment_gets_its_own_two_accounts(fresh):
    assert seed_contacts(tenant=fresh, accounts="harrier", out=lambda _: None) == 8 + 6 + 2 + 3 + 2
    snaps = _snapshots(fresh)
    assert sorted(snaps) == ["ACME-STAT", "HARRIER-PTA"]
    acme, pta = snaps["ACME-STAT"], snaps["HARRIER-PTA"]
    assert (acme["company_name"], acme["is_supplier"], acme["tax_no"], acme["tax_authority"]) == (
        "Acme Harrier Supplies Ltd", True, "GB999000901", "HMRC")
    assert (pta["company_name"], pta["is_customer"], pta["is_supplier"]) == ("Harrier Parents' Association", True, False)
