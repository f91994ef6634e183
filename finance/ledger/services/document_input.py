"""Checking a document's header and lines before anything is written: codes resolved within the
tenant, defaults filled in, and the VAT, gross and balance rules of the document import applied.
Every problem is collected, so one call reports them all."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

from finance.contacts.models import ContactAccount
from finance.products.models import Product, UnitOfMeasure

from ..models import (
    PURCHASE_FAMILIES,
    SALES_FAMILIES,
    Currency,
    Dimension,
    DimensionKind,
    Document,
    DocumentFamily,
    DocumentLine,
    DocumentStatus,
    DocumentType,
    LegalEntity,
    NominalAccount,
    TaxBand,
)
from ..money import ZERO, fmt_money, fmt_rate, round_money, to_decimal
from ..selectors import default_payment_term, due_date_for, open_period_error, rate_for
from ._common import Errors, resolve

LINE_FIELDS = frozenset({
    "account", "net_amount", "tax_band", "tax_amount", "gross_amount", "description", "quantity",
    "department", "cost_centre", "fund", "project", "product", "unit", "unit_price",
})
DIMENSIONS = (
    ("department", DimensionKind.DEPARTMENT),
    ("cost_centre", DimensionKind.COST_CENTRE),
    ("fund", DimensionKind.FUND),
    ("project", DimensionKind.PROJECT),
)
REQUIRED_DIMENSIONS = ("department", "cost_centre", "fund")
# A blank dimension on a sales line takes the customer's default first.
CUSTOMER_DEFAULTS = {"department": "customer_department", "cost_centre": "customer_cost_centre", "project": "customer_project"}


DATE_LABELS = {"doc_date": "Document date", "tax_date": "Tax date", "due_date": "Due date"}


class Lookups:
    """The reads `clean_document` makes, each answered by the database. A caller that checks many
    documents at once (the document import) passes a subclass that answers from tables it loaded
    in bulk, so the rules stay the same and the queries do not grow with the documents."""

    def __init__(self, tenant):
        self.tenant = tenant

    def find(self, model, code, **filters):
        """The `model` row of the tenant whose code is `code` (any case), or None."""
        return model.objects.filter(tenant=self.tenant, code__iexact=code, **filters).first()

    def open_period_error(self, entity, on_date):
        return open_period_error(legal_entity=entity, on_date=on_date)

    def rate(self, currency, on_date):
        """As `selectors.rate_for`: raises ValidationError (D13) when there is no rate."""
        return rate_for(tenant=self.tenant, currency=currency, on_date=on_date)

    def default_term(self):
        return default_payment_term(tenant=self.tenant)

    def doc_ref_user(self, entity, doc_type, doc_ref, instance):
        """The other document of (legal entity, type) whose doc_ref is `doc_ref` (any case), or None."""
        clash = Document.objects.filter(tenant=self.tenant, legal_entity=entity, doc_type=doc_type, doc_ref__iexact=doc_ref)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        return clash.first()

    def their_doc_no_used(self, contact, doc_type, their_doc_no, instance):
        """Whether another document (not void) of the supplier and type has this supplier number."""
        clash = Document.objects.filter(
            tenant=self.tenant, contact=contact, doc_type=doc_type, their_doc_no__iexact=their_doc_no
        ).exclude(status=DocumentStatus.VOID)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        return clash.exists()


@dataclass
class CleanDocument:
    header: dict
    lines: list


def _text(errors, key, value, model, field):
    value = (value or "").strip()
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        errors.add(key, f"Value for {field} is too long ({len(value)} characters, maximum {limit})", code="E05")
    return value


def _date(errors, key, value, required=False):
    if value is None:
        if required:
            errors.add(key, f"{DATE_LABELS[key]} is required", code="E06")
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        errors.add(key, f"Invalid date '{value}'", code="E01")
        return None
    return value


def _amount(errors, key, value, *, places=2):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return to_decimal(value, places=places)
    except ValueError as error:
        errors.add(key, str(error), code="E03" if "decimal places" in str(error) else "E02")
        return None


def _contact(errors, tenant, family, value, lookups):
    if family == DocumentFamily.JOURNAL:
        if value not in (None, ""):
            errors.add("contact", "Contact account must be blank for journals", code="D14")
        return None
    sales = family in SALES_FAMILIES
    contact = resolve(ContactAccount, tenant, value, "Contact account", key="contact", errors=errors, find=lookups.find)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add("contact", f"Contact account is required for {'sales' if sales else 'purchase'} documents", code="E06")
    elif contact is not None:
        if sales and not contact.is_customer:
            errors.add("contact", f"Contact account '{contact.code}' is not a customer", code="D05")
        elif not sales and not contact.is_supplier:
            errors.add("contact", f"Contact account '{contact.code}' is not a supplier", code="D05")
        elif not contact.is_active:
            errors.add("contact", f"Contact account '{contact.code}' is not active")
    return contact


def _their_doc_no(errors, family, doc_type, contact, value, instance, lookups):
    if family == DocumentFamily.JOURNAL:
        if value:
            errors.add("their_doc_no", "Supplier document number must be blank for journals", code="D14")
        return value
    if family in PURCHASE_FAMILIES:
        if not value:
            errors.add("their_doc_no", "Supplier document number is required for purchase documents", code="E06")
        elif contact is not None and doc_type is not None:
            if lookups.their_doc_no_used(contact, doc_type, value, instance):
                errors.add(
                    "their_doc_no", f"Supplier document number '{value}' already exists for supplier {contact.code}", code="D12"
                )
    return value


def _currency_and_rate(errors, tenant, entity, contact, currency, rate, on_date, lookups):
    if currency in (None, ""):
        currency = getattr(contact, "currency", None) or (entity.base_currency if entity else None)
    currency = resolve(Currency, tenant, currency, "Currency", key="currency", errors=errors, find=lookups.find)
    if currency is None:
        return None, None
    rate = _amount(errors, "currency_rate", rate, places=6)
    is_base = currency.is_base or (entity is not None and currency.pk == entity.base_currency_id)
    if is_base:
        if rate is not None and rate != 1:
            errors.add("currency_rate", "Currency rate must be blank or 1 for the base currency", code="D15")
        return currency, Decimal("1")
    if rate is not None:
        if rate <= 0:
            errors.add("currency_rate", "Currency rate must be greater than zero")
        return currency, rate
    if on_date is None:
        return currency, None
    try:
        return currency, lookups.rate(currency, on_date)
    except ValidationError as error:  # no rate on or before the date
        for message in error.messages:
            errors.add("currency_rate", message, code="D13")
        return currency, None


def _line(errors, tenant, family, contact, header_description, n, raw, lookups):
    key = f"lines[{n}]."
    unknown = set(raw) - LINE_FIELDS
    if unknown:
        raise TypeError(f"Unknown line field(s): {', '.join(sorted(unknown))}")
    journal = family == DocumentFamily.JOURNAL
    find = lookups.find
    account = resolve(NominalAccount, tenant, raw.get("account"), "Account", key=key + "account", errors=errors, required=True,
                      find=find)
    net = _amount(errors, key + "net_amount", raw.get("net_amount"))
    if net is None and key + "net_amount" not in errors:
        errors.add(key + "net_amount", "Net amount is required", code="E06")
    line = {
        "line_no": n,
        "account": account,
        "description": _text(errors, key + "description", raw.get("description") or header_description, DocumentLine, "description"),
        "quantity": _amount(errors, key + "quantity", raw.get("quantity", 1), places=4),
        "unit_price": _amount(errors, key + "unit_price", raw.get("unit_price"), places=4),
        "product": resolve(Product, tenant, raw.get("product"), "Product", key=key + "product", errors=errors, find=find),
        "unit": resolve(UnitOfMeasure, tenant, raw.get("unit"), "Unit of measure", key=key + "unit", errors=errors, find=find),
        "net_amount": net,
    }
    if line["quantity"] is None:
        line["quantity"] = Decimal("1")
    for field, kind in DIMENSIONS:
        thing = DimensionKind(kind).label
        value = resolve(Dimension, tenant, raw.get(field), thing, key=key + field, errors=errors, find=find, kind=kind)
        if value is None and key + field not in errors and family in SALES_FAMILIES and field in CUSTOMER_DEFAULTS:
            value = getattr(contact, CUSTOMER_DEFAULTS[field], None) if contact is not None else None
        line[field] = value
    if account is not None:
        if not account.is_active:
            errors.add(key + "account", f"Account {account.code} is not active")
        if account.requires_dimensions:
            for field in REQUIRED_DIMENSIONS:
                if line[field] is None and key + field not in errors:
                    errors.add(
                        key + field, "%(label)s is required for account %(account)s", code="D06",
                        params={"label": DimensionKind(field).label, "dimension": field, "account": account.code},
                    )
    if journal:
        for field in ("tax_band", "tax_amount", "gross_amount"):
            if raw.get(field) not in (None, ""):
                errors.add(key + field, f"{field} must be blank for journals", code="D14")
        line.update(tax_band=None, tax_amount=ZERO, gross_amount=net)
        return line
    if account is not None and account.is_control:
        errors.add(
            key + "account", f"Account {account.code} is a control or VAT account and cannot be used on a document line", code="D10"
        )
    band = resolve(TaxBand, tenant, raw.get("tax_band"), "Tax band", key=key + "tax_band", errors=errors, required=True, find=find)
    line["tax_band"] = band
    tax = _amount(errors, key + "tax_amount", raw.get("tax_amount"))
    gross = _amount(errors, key + "gross_amount", raw.get("gross_amount"))
    if band is None or net is None or key + "tax_amount" in errors:
        return line
    expected = round_money(net * band.rate / 100)
    if tax is None:
        tax = expected
    elif (band.rate > 0 and abs(tax - expected) > Decimal("0.01")) or (band.rate == 0 and tax != 0):
        errors.add(
            key + "tax_amount", "VAT mismatch: tax %(tax)s is not %(rate)s%% of net %(net)s (expected %(expected)s)", code="D01",
            params={"tax": fmt_money(tax), "rate": fmt_rate(band.rate), "net": fmt_money(net), "expected": fmt_money(expected)},
        )
    line["tax_amount"] = tax
    if gross is None:
        gross = net + tax
    elif gross != net + tax and key + "tax_amount" not in errors:
        errors.add(
            key + "gross_amount", "Gross %(gross)s does not equal net %(net)s plus tax %(tax)s", code="D02",
            params={"gross": fmt_money(gross), "net": fmt_money(net), "tax": fmt_money(tax)},
        )
    line["gross_amount"] = gross
    return line


def _totals(errors, family, lines):
    net = sum((l["net_amount"] for l in lines), ZERO)
    tax = sum((l["tax_amount"] or ZERO for l in lines), ZERO)
    gross = sum((l["gross_amount"] or ZERO for l in lines), ZERO)
    if family == DocumentFamily.JOURNAL:
        debits = sum((l["net_amount"] for l in lines if l["net_amount"] > 0), ZERO)
        credits = -sum((l["net_amount"] for l in lines if l["net_amount"] < 0), ZERO)
        if debits != credits:
            errors.add(
                "lines", "Journal does not balance: debits %(debits)s, credits %(credits)s", code="D03",
                params={"debits": fmt_money(debits), "credits": fmt_money(credits)},
            )
    elif gross <= 0:
        errors.add("lines", "Document total must be greater than zero", code="D11")
    return {"total_net": net, "total_tax": tax, "total_gross": gross}


def clean_document(
    *, tenant, legal_entity, doc_type, doc_ref, contact, doc_date, tax_date, due_date, their_doc_no, their_ref,
    description, currency, currency_rate, lines, batch_no, instance=None, lookups=None,
):
    """Resolve, default and check a document; returns CleanDocument or raises ValidationError.

    `lookups` answers the reads (codes, periods, rates, clashes); by default the database."""
    errors = Errors()
    lookups = lookups or Lookups(tenant)
    find = lookups.find
    entity = resolve(LegalEntity, tenant, legal_entity, "Legal entity", key="legal_entity", errors=errors, required=True, find=find)
    dtype = resolve(DocumentType, tenant, doc_type, "Document type", key="doc_type", errors=errors, required=True, find=find)
    family = dtype.family if dtype is not None else None
    header = {
        "legal_entity": entity,
        "doc_type": dtype,
        "doc_ref": _text(errors, "doc_ref", doc_ref, Document, "doc_ref"),
        "their_doc_no": _text(errors, "their_doc_no", their_doc_no, Document, "their_doc_no"),
        "their_ref": _text(errors, "their_ref", their_ref, Document, "their_ref"),
        "description": _text(errors, "description", description, Document, "description"),
        "batch_no": _text(errors, "batch_no", batch_no, Document, "batch_no"),
        "doc_date": _date(errors, "doc_date", doc_date, required=True),
    }
    header["tax_date"] = _date(errors, "tax_date", tax_date) or header["doc_date"]
    header["contact"] = _contact(errors, tenant, family, contact, lookups) if family else None
    if entity is not None and header["doc_date"] is not None:
        problem = lookups.open_period_error(entity, header["doc_date"])
        if problem:
            errors.add("doc_date", problem, code="D07")
    if family is not None:
        _their_doc_no(errors, family, dtype, header["contact"], header["their_doc_no"], instance, lookups)
    due = _date(errors, "due_date", due_date)
    if family == DocumentFamily.JOURNAL and due_date is not None:
        errors.add("due_date", "Due date must be blank for journals", code="D14")
    elif family is not None and due is None and header["doc_date"] is not None:
        term = getattr(header["contact"], "pay_term", None) or lookups.default_term()
        due = due_date_for(term=term, doc_date=header["doc_date"]) if term is not None else None
    if due is not None and header["doc_date"] is not None and due < header["doc_date"]:
        errors.add("due_date", "Due date cannot be before the document date")
    header["due_date"] = due if family != DocumentFamily.JOURNAL else None
    header["currency"], header["currency_rate"] = _currency_and_rate(
        errors, tenant, entity, header["contact"], currency, currency_rate, header["doc_date"], lookups
    )
    if header["doc_ref"] and entity is not None and dtype is not None:
        other = lookups.doc_ref_user(entity, dtype, header["doc_ref"], instance)
        if other is not None:
            errors.add("doc_ref", f"Document reference '{header['doc_ref']}' is already used by {other.doc_no}", code="E08")
    clean_lines = []
    if not lines:
        errors.add("lines", "A document needs at least one line", code="E06")
    elif family is not None:
        clean_lines = [
            _line(errors, tenant, family, header["contact"], header["description"], n, raw, lookups)
            for n, raw in enumerate(lines, 1)
        ]
        if not any(key.startswith("lines[") for key in errors.items):
            header.update(_totals(errors, family, clean_lines))
    errors.raise_if_any()
    return CleanDocument(header=header, lines=clean_lines)
