"""Import templates: each file format's columns (from `columns.py`) and two example rows.

A format is its columns plus its examples, defined here once; the template download, the data
dictionary page and their tests all read `FORMATS`. The examples use the codes of the demo
environment (shared/spec/demo-data.md) and dates in dd/MM/yyyy, the default Date format of new
interfaces, so a template imported as it is succeeds there.

`FORMAT_FOR_KIND` says which interface kind reads which format, so an interface page can offer
"Download template": `template_url(tenant_slug, interface.kind)` gives the URL, or None for a
kind without a template (in a Django template: `{% load dataformats %}` then
`{% template_url interface.kind as url %}`).
"""

from dataclasses import dataclass

from django.urls import reverse

from . import columns as c
from .csvio import iter_csv


@dataclass(frozen=True)
class Format:
    key: str
    title: str
    columns: tuple
    examples: tuple  # dicts of cell text keyed by column name; absent columns are blank
    read_by: str  # the interface that imports the format, as the user knows it
    note: str = ""

    @property
    def filename(self):
        return f"{self.key}-template.csv"


CONTACT_EXAMPLES = (
    {
        "is_customer": "y", "is_supplier": "n", "is_resource": "n", "is_staff": "n", "is_lead": "n",
        "code": "EXAMPLE-CUST", "account_description": "Example Sports Club", "contact_type": "C",
        "company_name": "Example Sports Club", "contact_description": "Example Sports Club",
        "contact_classification": "OTHER", "legacy_ref": "OLD-0001", "country_code": "GB",
        "contact_group": "CUST-GEN", "customer.cost_centre": "SEC", "customer.department": "ADMIN",
        "pay_term": "30D", "pay_method": "BACS", "currency": "GBP", "credit_limit": "2500.00",
        "address.address": "20 Example Road", "address.town": "Demotown", "address.county": "Demoshire",
        "address.postcode": "ZZ1 4QT", "address.country_code": "GB", "address.accept_delivery_flag": "y",
        "contact.email": "treasurer@example-sports.example", "contact.phone": "01632 960120",
    },
    {
        "is_customer": "n", "is_supplier": "y", "is_resource": "y", "is_staff": "n", "is_lead": "n",
        "code": "EXAMPLE-SUPP", "account_description": "Jo Example", "contact_type": "P",
        "first_name": "Jo", "last_name": "Example", "contact_description": "Jo Example",
        "contact_classification": "EDU", "job_title": "Music tutor", "tax_authority": "HMRC",
        "tax_no": "GB999000818", "country_code": "GB", "contact_group": "SUPP-EDU", "resource_group": "CONTRACT",
        "resource.cost_centre": "PRI", "resource.department": "TEACH",
        "pay_term": "14D", "pay_method": "FP", "currency": "GBP",
        "address.address": "Flat 2, 21 Sample Street", "address.town": "Exampleton", "address.county": "Demoshire",
        "address.postcode": "ZZ2 5RS", "address.country_code": "GB", "address.accept_delivery_flag": "n",
        "contact.email": "jo.example@example.com", "contact.mobile": "07700 900120",
        "bank.account_name": "J Example", "bank.sort_code": "40-99-30", "bank.account_no": "50000030",
    },
)

NOTE_EXAMPLES = (
    {
        "contact_account": "DEMOSHIRE-CC", "note_date": "02/03/2026 10:30", "subject": "Spring term lettings",
        "body": "Called about the spring term lettings invoice; payment promised by BACS next week.",
        "category": "CREDIT", "author": "Demo Accountant", "follow_up_date": "09/03/2026", "note_ref": "EX-NOTE-001",
    },
    {
        "contact_account": "ACME-STAT", "note_date": "03/03/2026", "subject": "Delivery query",
        "body": "Asked for a copy of the delivery note for the March stationery order.",
        "category": "QUERY", "author": "accountant@kestrel-demo.example",
    },
)

# One sales invoice of two lines: the second row repeats only the document's type and reference.
DOCUMENT_EXAMPLES = (
    {
        "h.doc_ref": "EX-INV-001", "h.doc_type": "SISTD", "h.legal_entity": "KLT", "h.contact_account": "DEMOSHIRE-CC",
        "h.doc_date": "02/03/2026", "h.tax_date": "02/03/2026", "h.due_date": "01/04/2026", "h.their_ref": "PO-77010",
        "h.description": "Hall hire and catering, March", "h.currency": "GBP",
        "h.total_net": "550.00", "h.total_tax": "30.00", "h.total_gross": "580.00",
        "d.account": "50600", "d.description": "Sports hall hire", "d.quantity": "4", "d.net_amount": "400.00",
        "d.tax_band": "EXEMPT", "d.tax_amount": "0.00", "d.gross_amount": "400.00",
        "d.post.department": "ADMIN", "d.post.cost_centre": "SEC", "d.post.fund": "UNR",
    },
    {
        "h.doc_ref": "EX-INV-001", "h.doc_type": "SISTD",
        "d.account": "50500", "d.description": "Catering for the lettings event", "d.quantity": "1",
        "d.net_amount": "150.00", "d.tax_band": "STANDARD", "d.tax_amount": "30.00", "d.gross_amount": "180.00",
        "d.post.department": "CATER", "d.post.cost_centre": "SEC", "d.post.fund": "UNR",
    },
)

BANK_STATEMENT_EXAMPLES = (
    {
        "bank_account": "DEMO-KHA-SAV", "date": "02/03/2026", "value_date": "02/03/2026", "amount": "1250.00",
        "currency": "GBP", "description": "Transfer from current account", "reference": "TRF 0001", "type": "TFR",
        "transaction_id": "DSB-2026-0302-001", "balance": "26250.00",
    },
    {
        "bank_account": "DEMO-KHA-SAV", "date": "03/03/2026", "amount": "-150.00", "currency": "GBP",
        "description": "Cheque paid", "reference": "Supply cover", "type": "CHQ", "cheque_no": "100123",
        "balance": "26100.00",
    },
)

FORMATS = {
    f.key: f
    for f in (
        Format("contacts", "Contacts", c.CONTACT_COLUMNS, CONTACT_EXAMPLES, "Contact import",
               "One row per contact account; a row whose code exists updates that account."),
        Format("notes", "Notes", c.NOTE_COLUMNS, NOTE_EXAMPLES, "Notes import",
               "One row per note on an existing contact account."),
        Format("documents", "Documents", c.DOCUMENT_COLUMNS, DOCUMENT_EXAMPLES, "Document import",
               "One row per document line; rows with the same h.doc_type and h.doc_ref form one document, "
               "whose first row gives the header values."),
        Format("bank_statements", "Bank statements", c.BANK_STATEMENT_COLUMNS, BANK_STATEMENT_EXAMPLES,
               "Bank statement CSV (custom)",
               "The canonical statement layout, read with the option layout=canonical; amounts are positive "
               "for money in and negative for money out."),
    )
}

# Interface kind key -> the format its files use.
FORMAT_FOR_KIND = {
    "contact_import": "contacts",
    "notes_import": "notes",
    "document_import": "documents",
    "custom_csv": "bank_statements",
}


def get_format(format_key):
    """The Format with `format_key`, or None."""
    return FORMATS.get(format_key)


def template_csv(format_key):
    """The template of a format as bytes: the header and the example rows, written like every
    CSV the product writes (UTF-8 with BOM, CRLF). KeyError for an unknown format."""
    fmt = FORMATS[format_key]
    return b"".join(iter_csv(fmt.columns, fmt.examples))


def template_url(tenant_slug, kind_key):
    """The template download URL for an interface of kind `kind_key`, or None if it has none."""
    format_key = FORMAT_FOR_KIND.get(kind_key)
    if format_key is None:
        return None
    return reverse("dataformats:template", kwargs={"tenant_slug": tenant_slug, "format_key": format_key})
