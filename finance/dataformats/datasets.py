"""The data sets that `export_data` and the lists' Export CSV button write, row by row.

Each data set turns a queryset of its own model into dicts of formatted cells keyed by the
import template's column names, so an export re-imports with zero changes.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from django.utils import timezone

from finance.banking.models import BankStatementLine
from finance.contacts.models import ContactAccount, Note
from finance.ledger.models import ArchivePosting, Document, DocumentFamily, DocumentLine

from . import columns as c
from .dates import format_date

CHUNK = 2000


def money(value):
    return "" if value is None else f"{Decimal(value):.2f}"


def rate(value):
    return "" if value is None else f"{Decimal(value):.6f}"


def quantity(value):
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def flag(value):
    return "y" if value else "n"


def code(obj):
    return obj.code if obj is not None else ""


def local(value):
    return timezone.localtime(value) if value is not None and timezone.is_aware(value) else value


def contact_rows(queryset, tenant):
    qs = queryset.select_related(
        "classification", "tax_authority", "contact_group", "resource_group", "pay_term", "pay_method", "currency",
        "customer_project", "customer_cost_centre", "customer_department",
        "resource_project", "resource_cost_centre", "resource_department", "bank_account",
    ).prefetch_related("addresses", "people").order_by("code")
    for contact in qs.iterator(chunk_size=CHUNK):
        address = next((a for a in contact.addresses.all() if a.is_primary), None)
        person = next((p for p in contact.people.all() if p.is_primary), None)
        bank = getattr(contact, "bank_account", None)
        yield {
            "is_customer": flag(contact.is_customer), "is_supplier": flag(contact.is_supplier),
            "is_resource": flag(contact.is_resource), "is_staff": flag(contact.is_staff), "is_lead": flag(contact.is_lead),
            "code": contact.code, "account_description": contact.account_description, "contact_type": contact.contact_type,
            "company_name": contact.company_name, "first_name": contact.first_name, "last_name": contact.last_name,
            "contact_description": contact.contact_description, "contact_classification": code(contact.classification),
            "job_title": contact.job_title, "legacy_ref": contact.legacy_ref, "company_no": contact.company_no,
            "tax_authority": code(contact.tax_authority), "tax_no": contact.tax_no, "country_code": contact.country_code,
            "contact_group": code(contact.contact_group), "resource_group": code(contact.resource_group),
            "customer.project": code(contact.customer_project), "customer.cost_centre": code(contact.customer_cost_centre),
            "customer.department": code(contact.customer_department), "resource.project": code(contact.resource_project),
            "resource.cost_centre": code(contact.resource_cost_centre), "resource.department": code(contact.resource_department),
            "pay_term": code(contact.pay_term), "pay_method": code(contact.pay_method), "currency": code(contact.currency),
            "credit_limit": money(contact.credit_limit),
            "address.address": address.address if address else "", "address.town": address.town if address else "",
            "address.county": address.county if address else "", "address.postcode": address.postcode if address else "",
            "address.country_code": address.country_code if address else contact.country_code,
            "address.accept_delivery_flag": flag(address.accept_delivery if address else True),
            "contact.email": person.email if person else "", "contact.phone": person.phone if person else "",
            "contact.mobile": person.mobile if person else "",
            "bank.account_name": bank.account_name if bank else "", "bank.sort_code": bank.sort_code if bank else "",
            "bank.account_no": bank.account_no if bank else "", "bank.iban": bank.iban if bank else "",
            "bank.bic": bank.bic if bank else "",
        }


def note_rows(queryset, tenant):
    qs = queryset.select_related("contact", "category").order_by("contact__code", "note_date", "id")
    for note in qs.iterator(chunk_size=CHUNK):
        yield {
            "contact_account": note.contact.code, "note_date": format_date(local(note.note_date), tenant.datetime_format),
            "subject": note.subject, "body": note.body, "category": code(note.category), "author": note.author,
            "follow_up_date": format_date(note.follow_up_date, tenant.date_format), "note_ref": note.note_ref,
        }


def document_rows(queryset, tenant):
    """One row per line of the documents in `queryset`, header values repeated."""
    lines = (
        DocumentLine.objects.filter(document__in=queryset.values("pk"))
        .select_related(
            "document__legal_entity", "document__doc_type", "document__contact", "document__currency",
            "account", "tax_band", "department", "cost_centre", "fund", "project",
        )
        .order_by("document__legal_entity__code", "document__doc_type__code", "document__doc_ref", "document_id", "line_no")
    )
    for line in lines.iterator(chunk_size=CHUNK):
        doc = line.document
        journal = doc.doc_type.family == DocumentFamily.JOURNAL
        base = doc.currency.is_base
        yield {
            "h.doc_ref": doc.doc_ref, "h.doc_type": doc.doc_type.code, "h.legal_entity": doc.legal_entity.code,
            "h.contact_account": code(doc.contact), "h.doc_date": format_date(doc.doc_date, tenant.date_format),
            "h.tax_date": format_date(doc.tax_date, tenant.date_format),
            "h.due_date": "" if journal else format_date(doc.due_date, tenant.date_format),
            "h.their_doc_no": "" if journal else doc.their_doc_no, "h.their_ref": doc.their_ref,
            "h.description": doc.description, "h.currency": doc.currency.code,
            "h.currency_rate": "" if base else rate(doc.currency_rate),
            "h.total_net": "0.00" if journal else money(doc.total_net),
            "h.total_tax": "" if journal else money(doc.total_tax),
            "h.total_gross": "" if journal else money(doc.total_gross),
            "d.account": line.account.code, "d.description": line.description, "d.quantity": quantity(line.quantity),
            "d.net_amount": money(line.net_amount), "d.tax_band": "" if journal else code(line.tax_band),
            "d.tax_amount": "" if journal else money(line.tax_amount),
            "d.gross_amount": "" if journal else money(line.gross_amount),
            "d.post.department": code(line.department), "d.post.cost_centre": code(line.cost_centre),
            "d.post.fund": code(line.fund), "d.post.project": code(line.project),
        }


def statement_line_rows(queryset, tenant):
    qs = queryset.filter(statement__voided_at__isnull=True).select_related("bank_account", "currency")
    for line in qs.order_by("bank_account__code", "date", "seq").iterator(chunk_size=CHUNK):
        yield {
            "bank_account": line.bank_account.code, "date": format_date(line.date, tenant.date_format),
            "value_date": format_date(line.value_date, tenant.date_format), "amount": money(line.amount),
            "currency": line.currency.code, "description": line.description, "reference": line.reference,
            "type": line.type, "cheque_no": line.cheque_no, "transaction_id": line.transaction_id,
            "balance": money(line.balance),
        }


def archive_rows(queryset, tenant):
    qs = queryset.select_related("document__legal_entity").order_by(
        "document__legal_entity__code", "document__doc_type", "document__doc_no", "seq"
    )
    for p in qs.iterator(chunk_size=CHUNK):
        d = p.document
        yield {
            "legal_entity": d.legal_entity.code, "source_app": d.source_app, "run": d.run_ref, "doc_type": d.doc_type,
            "doc_no": d.doc_no, "their_ref": d.their_ref, "contact_account": d.contact_code,
            "contact_account_description": d.contact_name, "doc_date": format_date(d.doc_date, tenant.date_format),
            "due_date": format_date(d.due_date, tenant.date_format), "exchequer_year": str(d.year),
            "exchequer_period": str(d.period), "posted": flag(d.posted),
            "line_no": "" if p.line_no is None else str(p.line_no), "posting_kind": p.kind,
            "account": p.account_code, "account_description": p.account_description, "description": p.description,
            "cost_centre": p.cost_centre, "department": p.department, "quantity": quantity(p.quantity),
            "currency": d.currency_code, "currency_rate": rate(d.currency_rate),
            "currency_amount": money(p.currency_amount), "base_amount": money(p.base_amount), "vat_code": p.vat_code,
        }


@dataclass(frozen=True)
class Dataset:
    name: str
    columns: tuple
    model: type
    rows: Callable

    def all(self):
        return self.model.objects.all()


DATASETS = {
    "contacts": Dataset("contacts", c.CONTACT_COLUMNS, ContactAccount, contact_rows),
    "notes": Dataset("notes", c.NOTE_COLUMNS, Note, note_rows),
    "documents": Dataset("documents", c.DOCUMENT_COLUMNS, Document, document_rows),
    "bank_statements": Dataset("bank_statements", c.BANK_STATEMENT_COLUMNS, BankStatementLine, statement_line_rows),
    "archive_gl": Dataset("archive_gl", c.ARCHIVE_GL_COLUMNS, ArchivePosting, archive_rows),
}


def json_chunks(dataset, queryset, tenant):
    """A JSON array of objects keyed by the CSV columns, streamed; values unprefixed strings."""
    import json

    names = [col.name for col in dataset.columns]
    yield b"["
    first = True
    for row in dataset.rows(queryset, tenant):
        obj = {name: row.get(name, "") for name in names}
        yield (b"" if first else b",") + b"\n" + json.dumps(obj, ensure_ascii=False).encode("utf-8")
        first = False
    yield b"\n]\n"
