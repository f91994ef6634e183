"""Column definitions of every file format: the template's order, kinds and limits.

Templates, parsers, exports and the data dictionary all read these lists, so a column is defined
once. Kinds: text and phone cells are text (formula-neutralised when written); code, flag, amount,
rate, quantity, date and datetime cells never are.
"""

from dataclasses import dataclass

TEXT_KINDS = frozenset({"text", "phone"})

# How the data dictionary names each kind.
KIND_WORDS = {
    "text": "text",
    "phone": "phone number (text)",
    "code": "code",
    "flag": "y/n flag",
    "amount": "amount (2 decimals)",
    "rate": "exchange rate (up to 6 decimals)",
    "quantity": "quantity (up to 4 decimals)",
    "number": "whole number",
    "date": "date (in the interface's Date format)",
    "datetime": "date and time (in the interface's Date and time format), or a date",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"
    max_length: int | None = None
    required: bool = False
    description: str = ""

    @property
    def is_text(self):
        return self.kind in TEXT_KINDS

    @property
    def kind_words(self):
        return KIND_WORDS.get(self.kind, self.kind)


def _cols(*specs):
    return tuple(Column(*spec) for spec in specs)


CONTACT_COLUMNS = _cols(
    ("is_customer", "flag", 1, False, "y if the account is a customer"),
    ("is_supplier", "flag", 1, False, "y if the account is a supplier"),
    ("is_resource", "flag", 1, False, "y if the account is a resource"),
    ("is_staff", "flag", 1, False, "y if the account is a member of staff"),
    ("is_lead", "flag", 1, False, "y if the account is a lead; at least one of the five flags must be y"),
    ("code", "code", 50, True, "Contact account code; blank takes the next CONTACT number"),
    ("account_description", "text", 250, False, "Defaults to the company name or first and last name"),
    ("contact_type", "code", 1, False, "C company (default) or P person"),
    ("company_name", "text", 150, False, "Required when contact_type is C"),
    ("first_name", "text", 150, False, "Required when contact_type is P"),
    ("last_name", "text", 150, False, "Required when contact_type is P"),
    ("contact_description", "text", 100, False, "Defaults to the account description"),
    ("contact_classification", "code", 50, False, "Contact classification code"),
    ("job_title", "text", 50, False, ""),
    ("legacy_ref", "text", 50, False, ""),
    ("company_no", "text", 50, False, ""),
    ("tax_authority", "code", 50, False, "HMRC by default when tax_no is filled and the country is GB"),
    ("tax_no", "text", 50, False, "VAT number; for HMRC GB + 9 or 12 digits, GD or HA + 3 digits"),
    ("country_code", "code", 2, False, "ISO 3166-1 alpha-2, default GB"),
    ("contact_group", "code", 50, False, "Contact group code"),
    ("resource_group", "code", 50, False, "Resource group code"),
    ("customer.project", "code", 50, False, "Default project for sales lines"),
    ("customer.cost_centre", "code", 50, False, "Default cost centre for sales lines"),
    ("customer.department", "code", 50, False, "Default department for sales lines"),
    ("resource.project", "code", 50, False, "Project for resource postings"),
    ("resource.cost_centre", "code", 50, False, "Cost centre for resource postings"),
    ("resource.department", "code", 50, False, "Department for resource postings"),
    ("pay_term", "code", 50, False, "Payment term code"),
    ("pay_method", "code", 50, False, "Payment method code"),
    ("currency", "code", 3, False, "Currency code, default the base currency"),
    ("credit_limit", "amount", None, False, "Blank for no limit; not negative"),
    ("address.address", "text", 250, False, "Street address; line breaks allowed"),
    ("address.town", "text", 100, False, ""),
    ("address.county", "text", 100, False, ""),
    ("address.postcode", "text", 20, False, "UK postcode when the address is in GB"),
    ("address.country_code", "code", 2, False, "Defaults to the contact's country"),
    ("address.accept_delivery_flag", "flag", 1, False, "Default y"),
    ("contact.email", "text", 254, False, "One e-mail address"),
    ("contact.phone", "phone", 30, False, "Digits, spaces and + ( ) -; 7 to 15 digits"),
    ("contact.mobile", "phone", 30, False, "As phone"),
    ("bank.account_name", "text", 100, False, "Name on the bank account"),
    ("bank.sort_code", "code", 8, False, "6 digits, stored NN-NN-NN; with account_no"),
    ("bank.account_no", "code", 8, False, "Exactly 8 digits; with sort_code"),
    ("bank.iban", "code", 34, False, "IBAN, checked with its check digits"),
    ("bank.bic", "code", 11, False, "BIC (SWIFT) code"),
)

NOTE_COLUMNS = _cols(
    ("contact_account", "code", 50, True, "Code of an existing contact account"),
    ("note_date", "datetime", None, True, "Date and time (datetime_format), or a date (date_format)"),
    ("subject", "text", 100, False, ""),
    ("body", "text", 4000, True, "The note; line breaks allowed"),
    ("category", "code", 50, False, "Note category, default GENERAL"),
    ("author", "text", 150, False, "A name or e-mail address"),
    ("follow_up_date", "date", None, False, ""),
    ("note_ref", "text", 50, False, "External reference, unique per contact account"),
)

DOCUMENT_COLUMNS = _cols(
    ("h.doc_ref", "text", 50, True, "The document's import reference"),
    ("h.doc_type", "code", 20, True, "Document type code (SISTD, SCSTD, PISTD, PCSTD, JNSTD)"),
    ("h.legal_entity", "code", 20, False, "Legal entity code, default the interface's"),
    ("h.contact_account", "code", 50, False, "Customer or supplier; blank for journals"),
    ("h.doc_date", "date", None, True, "Must fall in an open period"),
    ("h.tax_date", "date", None, False, "Default the document date"),
    ("h.due_date", "date", None, False, "Default from the payment term"),
    ("h.their_doc_no", "text", 50, False, "Supplier's invoice number; required for purchases"),
    ("h.their_ref", "text", 50, False, ""),
    ("h.description", "text", 250, False, ""),
    ("h.currency", "code", 3, False, "Default the contact's currency"),
    ("h.currency_rate", "rate", None, False, "Units of the currency per 1 GBP"),
    ("h.total_net", "amount", None, False, "Control total"),
    ("h.total_tax", "amount", None, False, "Control total"),
    ("h.total_gross", "amount", None, False, "Control total"),
    ("d.account", "code", 20, True, "Nominal account code"),
    ("d.description", "text", 250, False, "Default the header description"),
    ("d.quantity", "quantity", None, False, "Default 1"),
    ("d.net_amount", "amount", None, True, "Journals: positive = debit"),
    ("d.tax_band", "code", 20, False, "Required for sales and purchase lines"),
    ("d.tax_amount", "amount", None, False, "Default net x rate"),
    ("d.gross_amount", "amount", None, False, "Default net + tax"),
    ("d.post.department", "code", 50, False, "Department code"),
    ("d.post.cost_centre", "code", 50, False, "Cost centre code"),
    ("d.post.fund", "code", 50, False, "Fund code"),
    ("d.post.project", "code", 50, False, "Project code"),
)

BANK_STATEMENT_COLUMNS = _cols(
    ("bank_account", "code", 50, True, "Bank account code"),
    ("date", "date", None, True, "Booking date"),
    ("value_date", "date", None, False, ""),
    ("amount", "amount", None, True, "Positive = money in"),
    ("currency", "code", 3, False, "ISO code"),
    ("description", "text", 500, False, ""),
    ("reference", "text", 100, False, ""),
    ("type", "text", 35, False, "The bank's transaction type"),
    ("cheque_no", "text", 20, False, ""),
    ("transaction_id", "text", 100, False, "The bank's id, blank for fingerprinted lines"),
    ("balance", "amount", None, False, "Running balance"),
)

ARCHIVE_GL_COLUMNS = _cols(
    ("legal_entity", "code"), ("source_app", "code"), ("run", "code"), ("doc_type", "code"),
    ("doc_no", "code"), ("their_ref", "text"), ("contact_account", "code"),
    ("contact_account_description", "text"), ("doc_date", "date"), ("due_date", "date"),
    ("exchequer_year", "number"), ("exchequer_period", "number"), ("posted", "flag"),
    ("line_no", "number"), ("posting_kind", "code"), ("account", "code"), ("account_description", "text"),
    ("description", "text"), ("cost_centre", "code"), ("department", "code"), ("quantity", "quantity"),
    ("currency", "code"), ("currency_rate", "rate"), ("currency_amount", "amount"), ("base_amount", "amount"),
    ("vat_code", "code"),
)
