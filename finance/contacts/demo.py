"""Demo contacts (shared/spec/demo-data.md §9, §10 and §19), built through the services.

Idempotent: a reference or contact account whose code exists is left exactly as it is. The
ledger reference data (currencies, HMRC, payment terms and methods, dimensions, the CONTACT
series) must already exist in the tenant.
"""

from decimal import Decimal

from finance.tenancy import scope

from .models import ContactAccount, ContactClassification, ContactGroup, NoteCategory, ResourceGroup
from .services import contact_create, contact_reference_create

CLASSIFICATIONS = [
    ("LA", "Local authority"),
    ("EDU", "Education supplier"),
    ("UTIL", "Utility"),
    ("CATER", "Catering"),
    ("TRANS", "Transport"),
    ("RETAIL", "Retail customer"),
    ("PARENT", "Parent or carer"),
    ("OTHER", "Other"),
]
GROUPS = [
    ("CUST-LA", "Local authority customers"),
    ("CUST-GEN", "General customers"),
    ("CUST-TRADE", "Trading (shop) customers"),
    ("SUPP-GEN", "General suppliers"),
    ("SUPP-UTIL", "Utility suppliers"),
    ("SUPP-EDU", "Education suppliers"),
]
RESOURCE_GROUPS = [("STAFF", "Staff"), ("CONTRACT", "Contractors")]
NOTE_CATEGORIES = [("GENERAL", "General", True), ("CREDIT", "Credit control", False), ("QUERY", "Query", False)]

REFERENCES = [
    ("classification", ContactClassification, [(code, name, False) for code, name in CLASSIFICATIONS]),
    ("group", ContactGroup, [(code, name, False) for code, name in GROUPS]),
    ("resource_group", ResourceGroup, [(code, name, False) for code, name in RESOURCE_GROUPS]),
    ("note_category", NoteCategory, NOTE_CATEGORIES),
]

SUPPLIER = {"is_supplier": True}
CUSTOMER = {"is_customer": True}


def _company(code, roles, name, classification, group, tax_no, pay_term, pay_method, *, country="GB", currency="GBP", **extra):
    return {
        "code": code, **roles, "company_name": name, "contact_classification": classification,
        "contact_group": group, "tax_no": tax_no, "country_code": country, "currency": currency,
        "pay_term": pay_term, "pay_method": pay_method, **extra,
    }


def _address(address, town, county, postcode, email, phone="", mobile="", country="GB"):
    return {
        "address_address": address, "address_town": town, "address_county": county, "address_postcode": postcode,
        "address_country_code": country, "address_accept_delivery_flag": True,
        "contact_email": email, "contact_phone": phone, "contact_mobile": mobile,
    }


def _bank(name, sort_code="", account_no="", iban="", bic=""):
    return {"bank_account_name": name, "bank_sort_code": sort_code, "bank_account_no": account_no, "bank_iban": iban, "bank_bic": bic}


DEMO_ACCOUNTS = [
    _company("ACME-STAT", SUPPLIER, "Acme Stationery Supplies Ltd", "EDU", "SUPP-EDU", "GB999000101", "30D", "BACS",
             company_no="99100001")
    | _address("Unit 1, Example Trading Estate", "Demotown", "Demoshire", "ZZ1 1AA", "accounts@acme-stationery.example", "01632 960001")
    | _bank("Acme Stationery Supplies Ltd", "40-99-11", "50000001"),
    _company("NWIND-CAT", SUPPLIER, "Northwind Catering Ltd", "CATER", "SUPP-GEN", "GB999000202", "14D", "BACS",
             company_no="99100002")
    | _address("2 Sample Street", "Demotown", "Demoshire", "ZZ1 2AB", "invoices@northwind-catering.example", "01632 960002")
    | _bank("Northwind Catering Ltd", "40-99-12", "50000002"),
    _company("CONTOSO-EN", SUPPLIER, "Contoso Energy Ltd", "UTIL", "SUPP-UTIL", "GB999000303", "14D", "DD",
             company_no="99100003")
    | _address("3 Specimen Road", "Exampleton", "Demoshire", "ZZ2 3CD", "billing@contoso-energy.example", "0161 496 0003")
    | _bank("Contoso Energy Ltd", "40-99-13", "50000003"),
    _company("FABRIKAM-DE", SUPPLIER, "Fabrikam Lernmittel GmbH", "EDU", "SUPP-EDU", "DE999999999", "30D", "BACS",
             country="DE", currency="EUR")
    | _address("Beispielstraße 4", "Musterstadt", "", "99999", "buchhaltung@fabrikam.example", "+49 30 99999999", country="DE")
    | _bank("Fabrikam Lernmittel GmbH", iban="DE97999999990000012345", bic="DEMODEFF"),
    _company("DEMOSHIRE-CC", CUSTOMER, "Demoshire County Council", "LA", "CUST-LA", "GB999000404", "30D", "BACS",
             credit_limit=Decimal("50000.00"))
    | _address("County Hall, 5 Example Square", "Demotown", "Demoshire", "ZZ1 5EF", "schools.finance@demoshire.example", "01632 960005"),
    _company("TAILSPIN", CUSTOMER | SUPPLIER, "Tailspin Coaches Ltd", "TRANS", "SUPP-GEN", "GB999000505", "30D", "BACS",
             company_no="99100005", credit_limit=Decimal("5000.00"))
    | _address("6 Demo Lane", "Exampleton", "Demoshire", "ZZ2 6GH", "bookings@tailspin-coaches.example", "0161 496 0006")
    | _bank("Tailspin Coaches Ltd", "40-99-16", "50000006"),
    _company("WINGTIP-N", CUSTOMER, "Wingtip Uniforms Ltd", "RETAIL", "CUST-TRADE", "GB999000606", "14D", "CARD",
             company_no="99100006")
    | _address("7 North Parade", "Demotown", "Demoshire", "ZZ1 7JK", "north@wingtip-uniforms.example", "01632 960007"),
    _company("WINGTIP-S", CUSTOMER, "Wingtip Uniforms Ltd", "RETAIL", "CUST-TRADE", "GB999000707", "14D", "CARD",
             company_no="99100007")
    | _address("8 South Parade", "Exampleton", "Demoshire", "ZZ2 8LM", "south@wingtip-uniforms.example", "01632 960008"),
    {"code": "P-EXAMPLE", **CUSTOMER, "contact_type": "P", "first_name": "Alex", "last_name": "Example",
     "contact_classification": "PARENT", "contact_group": "CUST-GEN", "country_code": "GB", "currency": "GBP",
     "pay_term": "IMM", "pay_method": "CARD"}
    | _address("9 Sample Close", "Demotown", "Demoshire", "ZZ1 9NP", "alex.example@example.com", mobile="07700 900009"),
]

# §19 names the two accounts of the second environment; the other values are ours, in the same
# fictitious ranges (ZZ postcodes, Ofcom drama numbers, 40-99 sort codes, .example domains).
HARRIER_ACCOUNTS = [
    _company("ACME-STAT", SUPPLIER, "Acme Harrier Supplies Ltd", "EDU", "SUPP-EDU", "GB999000901", "30D", "BACS")
    | _address("Unit 9, Harrier Business Park", "Harrierton", "Demoshire", "ZZ3 1AA", "accounts@acme-harrier.example", "01632 960901")
    | _bank("Acme Harrier Supplies Ltd", "40-99-31", "50000901"),
    _company("HARRIER-PTA", CUSTOMER, "Harrier Parents' Association", "OTHER", "CUST-GEN", "", "30D", "BACS")
    | _address("Harrier Demo Academy, 1 Harrier Way", "Harrierton", "Demoshire", "ZZ3 2PT", "pta@harrier-demo.example", "01632 960902"),
]

ACCOUNTS = {"demo": DEMO_ACCOUNTS, "harrier": HARRIER_ACCOUNTS}


def seed_contacts(*, tenant, accounts="demo", out=print):
    """Create the contact reference data and the `accounts` set ("demo" or "harrier") that the
    tenant lacks, by the system user. Returns the number of objects created."""
    rows = ACCOUNTS[accounts]
    created = 0
    with scope.activate(tenant):
        for kind, model, entries in REFERENCES:
            existing = {code.upper() for code in model.objects.filter(tenant=tenant).values_list("code", flat=True)}
            for code, name, is_default in entries:
                if code.upper() in existing:
                    continue
                # Never take the default away from a category the environment already has.
                if is_default and NoteCategory.objects.filter(tenant=tenant, is_default=True).exists():
                    is_default = False
                contact_reference_create(tenant=tenant, actor=None, kind=kind, code=code, name=name, is_default=is_default)
                created += 1
        existing = {code.upper() for code in ContactAccount.objects.filter(tenant=tenant).values_list("code", flat=True)}
        for fields in rows:
            if fields["code"].upper() in existing:
                continue
            contact_create(tenant=tenant, actor=None, **fields)
            created += 1
            out(f"  created contact account {fields['code']} in {tenant.slug}")
    return created
