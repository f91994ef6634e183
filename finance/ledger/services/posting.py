"""Posting documents to the general ledger, taking them back out, and reversing them.

Signs follow the document import spec (positive = debit): a sales invoice credits its lines and
output VAT and debits debtors control with the gross; a purchase invoice the reverse; credit notes
reverse their invoices; journal lines post as signed. Base amounts are amount / rate rounded half
up per posting, and the rounding difference goes to the control posting (journals: the last
posting), so amounts and base amounts each sum to exactly zero.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from finance.audit.services import event_record

from ..models import (
    AccountType,
    Document,
    DocumentFamily,
    DocumentLine,
    DocumentStatus,
    Period,
    Posting,
    PostingKind,
    SALES_FAMILIES,
)
from ..money import ZERO, fmt_date, fmt_money, round_money
from ..selectors import control_account, open_period_error, open_period_for, period_for_date, period_is_open
from ._common import ledger_service
from .documents import document_snapshot, lock_document, refuse_unless, save_lines, sync_copy
from .numbering import series_next

# Sign of the line (and VAT) postings; the control posting takes the opposite sign.
LINE_SIGN = {
    DocumentFamily.SALES_INVOICE: -1,
    DocumentFamily.SALES_CREDIT: 1,
    DocumentFamily.PURCHASE_INVOICE: 1,
    DocumentFamily.PURCHASE_CREDIT: -1,
}
DIMENSION_FIELDS = ("department", "cost_centre", "fund", "project")


class PostingImbalanceError(RuntimeError):
    """Postings that do not sum to zero: a bug, never saved."""


def check_balance(document, postings):
    amount = sum((p.amount for p in postings), ZERO)
    base = sum((p.base_amount for p in postings), ZERO)
    if amount != 0 or base != 0:
        raise PostingImbalanceError(
            f"Postings of {document.doc_no} do not balance: amount {fmt_money(amount)}, base amount {fmt_money(base)}"
        )


def build_postings(document, lines, period, posted_at):
    """The unsaved, balanced postings of `document` (see the module docstring for the rules)."""
    family = document.doc_type.family
    rate = document.currency_rate
    postings = []

    def add(kind, account, amount, *, line=None, description=""):
        amount = abs(amount) if amount == 0 else amount
        dims = {f: getattr(line, f) for f in DIMENSION_FIELDS} if line is not None else {}
        postings.append(Posting(
            tenant_id=document.tenant_id, legal_entity=document.legal_entity, document=document, line=line,
            seq=len(postings) + 1, kind=kind, period=period, date=document.doc_date, account=account,
            contact=document.contact, description=description or document.description, currency=document.currency,
            amount=amount, base_amount=round_money(amount / rate), posted_at=posted_at, **dims,
        ))
        return postings[-1]

    if family == DocumentFamily.JOURNAL:
        for line in lines:
            add(PostingKind.LINE, line.account, line.net_amount, line=line, description=line.description)
        absorber = postings[-1]
    else:
        sign = LINE_SIGN[family]
        sales = family in SALES_FAMILIES
        vat = {}
        for line in lines:
            add(PostingKind.LINE, line.account, sign * line.net_amount, line=line, description=line.description)
            if line.tax_band_id is not None:
                account = line.tax_band.sales_account if sales else line.tax_band.purchase_account
                vat[account] = vat.get(account, ZERO) + line.tax_amount
        for account, tax in vat.items():
            if tax != 0:
                add(PostingKind.VAT, account, sign * tax, description=f"VAT {document.doc_no}")
        account_type = AccountType.DEBTORS_CONTROL if sales else AccountType.CREDITORS_CONTROL
        control = control_account(tenant=document.tenant, account_type=account_type)
        if control is None:
            raise ValidationError(f"No {AccountType(account_type).label.lower()} account is set up in the chart of accounts")
        gross = sum((line.gross_amount for line in lines), ZERO)
        absorber = add(PostingKind.CONTROL, control, -sign * gross)
    absorber.base_amount = -sum((p.base_amount for p in postings if p is not absorber), ZERO)
    check_balance(document, postings)
    return postings


@ledger_service
def document_post(*, document, actor):
    """Post a draft or submitted document into the open period of its date."""
    given = document
    document = lock_document(given)
    refuse_unless(document, {DocumentStatus.DRAFT, DocumentStatus.SUBMITTED}, "posted")
    period = open_period_for(legal_entity=document.legal_entity, on_date=document.doc_date)
    lines = list(document.lines.select_related("account", "tax_band__sales_account", "tax_band__purchase_account"))
    if not lines:
        raise ValidationError({"lines": "A document needs at least one line"})
    before = document_snapshot(document)
    now = timezone.now()
    postings = build_postings(document, lines, period, now)
    Posting.objects.bulk_create(postings)
    document.status = DocumentStatus.POSTED
    document.posted_at = now
    document.save(update_fields=["status", "posted_at"])
    event_record(
        tenant=document.tenant, user=actor, action="document.posted", obj=document,
        message=f"{document.doc_no} posted to {period.code} with {len(postings)} posting(s).",
        before=before, after=document_snapshot(document) | {"period": period.code, "postings": len(postings)},
    )
    sync_copy(given, document)
    return document


def _reversal_links(document):
    """Refuse to unpost or reverse a document that is part of a reversal pair."""
    reversal = Document.objects.filter(tenant_id=document.tenant_id, reversal_of=document).first()
    if reversal is not None:
        raise ValidationError(f"Document {document.doc_no} has already been reversed by {reversal.doc_no}")
    if document.reversal_of_id is not None:
        raise ValidationError(f"Document {document.doc_no} is the reversal of {document.reversal_of.doc_no}")


@ledger_service
def document_unpost(*, document, actor):
    """Take a posted document out of the ledger (its postings are deleted) and make it submitted
    again; every period it posted into must still be open."""
    given = document
    document = lock_document(given)
    refuse_unless(document, {DocumentStatus.POSTED}, "unposted")
    _reversal_links(document)
    for period in Period.objects.filter(pk__in=document.postings.values("period")):
        if not period_is_open(legal_entity=document.legal_entity, period=period):
            raise ValidationError(
                f"Period {period.code} is closed for {document.legal_entity.code}; {document.doc_no} cannot be unposted"
            )
    before = document_snapshot(document)
    removed, _ = document.postings.all().delete()
    document.status = DocumentStatus.SUBMITTED
    document.posted_at = None
    document.save(update_fields=["status", "posted_at"])
    event_record(
        tenant=document.tenant, user=actor, action="document.unposted", obj=document,
        message=f"{document.doc_no} unposted: {removed} posting(s) removed.",
        before=before, after=document_snapshot(document) | {"postings_removed": removed},
    )
    sync_copy(given, document)
    return document


@ledger_service
def document_reverse(*, document, actor, date=None):
    """Create and post at once a document of the same type that negates `document` line by line,
    dated `date` (default: the original's date); its postings are the exact negation of the original's."""
    original = lock_document(document)
    if original.status != DocumentStatus.POSTED:
        raise ValidationError(
            f"Document {original.doc_no} is {original.get_status_display().lower()}; only posted documents can be reversed"
        )
    _reversal_links(original)
    on_date = date or original.doc_date
    problem = open_period_error(legal_entity=original.legal_entity, on_date=on_date)
    if problem:
        raise ValidationError({"date": ValidationError(problem, code="D07")})
    period = period_for_date(legal_entity=original.legal_entity, on_date=on_date)
    doc_no = series_next(series=original.doc_type.series)
    taken = Document.objects.filter(tenant_id=original.tenant_id, doc_no=doc_no).exists() or Document.objects.filter(
        tenant_id=original.tenant_id, legal_entity=original.legal_entity, doc_type=original.doc_type, doc_ref__iexact=doc_no
    ).exists()
    if taken:
        raise ValidationError(
            f"Document number {doc_no} is already used; check the next number of series {original.doc_type.series.code}"
        )
    now = timezone.now()
    reversal = Document(
        tenant_id=original.tenant_id, legal_entity=original.legal_entity, doc_type=original.doc_type, doc_no=doc_no,
        doc_ref=doc_no, contact=original.contact, doc_date=on_date, tax_date=on_date,
        due_date=on_date if original.due_date else None, their_ref=original.doc_no,
        description=f"Reversal of {original.doc_no}", currency=original.currency, currency_rate=original.currency_rate,
        total_net=-original.total_net, total_tax=-original.total_tax, total_gross=-original.total_gross,
        status=DocumentStatus.POSTED, reversal_of=original, batch_no=original.batch_no, created_by=actor, posted_at=now,
    )
    reversal.save()
    copied = ("line_no", "account_id", "description", "product_id", "unit_id", "quantity", "unit_price", "tax_band_id",
              "department_id", "cost_centre_id", "fund_id", "project_id")
    save_lines(reversal, [
        {f: getattr(line, f) for f in copied}
        | {"net_amount": -line.net_amount, "tax_amount": -line.tax_amount, "gross_amount": -line.gross_amount}
        for line in original.lines.all()
    ])
    new_lines = {line.line_no: line for line in DocumentLine.objects.filter(tenant_id=original.tenant_id, document=reversal)}
    postings = [
        Posting(
            tenant_id=original.tenant_id, legal_entity_id=p.legal_entity_id, document=reversal,
            line=new_lines[p.line.line_no] if p.line_id else None, seq=p.seq, kind=p.kind, period=period, date=on_date,
            account_id=p.account_id, contact_id=p.contact_id, description=p.description, currency_id=p.currency_id,
            amount=-p.amount, base_amount=-p.base_amount, posted_at=now,
            **{f"{f}_id": getattr(p, f"{f}_id") for f in DIMENSION_FIELDS},
        )
        for p in original.postings.select_related("line")
    ]
    check_balance(reversal, postings)
    Posting.objects.bulk_create(postings)
    event_record(
        tenant=original.tenant, user=actor, action="document.reversed", obj=original,
        message=f"{original.doc_no} reversed by {doc_no} dated {fmt_date(on_date)} in {period.code}.",
        before=document_snapshot(original),
        after=document_snapshot(reversal) | {"reversal_of": original.doc_no, "postings": len(postings)},
    )
    return reversal
