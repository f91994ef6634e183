"""Documents before they reach the ledger: create a draft, replace it, submit it, void it."""

from django.core.exceptions import ValidationError

from finance.audit.services import event_record

from ..models import Document, DocumentLine, DocumentStatus
from .document_input import clean_document
from ._common import ledger_service
from .numbering import series_next


def document_snapshot(document):
    """What the Event log keeps of a document before and after a change."""
    return {
        "doc_no": document.doc_no,
        "doc_ref": document.doc_ref,
        "doc_type": document.doc_type.code,
        "legal_entity": document.legal_entity.code,
        "status": document.status,
        "doc_date": document.doc_date.isoformat(),
        "currency": document.currency.code,
        "total_net": f"{document.total_net:.2f}",
        "total_tax": f"{document.total_tax:.2f}",
        "total_gross": f"{document.total_gross:.2f}",
    }


def lock_document(document):
    """The document re-read under a row lock, so two callers cannot change its status at once."""
    return (
        Document.objects.select_for_update(of=("self",))  # PostgreSQL cannot lock the nullable contact side
        .select_related("doc_type", "legal_entity", "currency", "contact")
        .get(tenant_id=document.tenant_id, pk=document.pk)
    )


def refuse_unless(document, allowed, doing):
    if document.status not in allowed:
        if document.status == DocumentStatus.POSTED and doing == "changed":
            raise ValidationError(ValidationError(f"Document '{document.doc_ref}' is posted and cannot be changed", code="D08"))
        wanted = " or ".join(status.label.lower() for status in DocumentStatus if status in allowed)
        raise ValidationError(
            f"Document {document.doc_no} is {document.get_status_display().lower()}; only {wanted} documents can be {doing}"
        )


def save_lines(document, lines):
    DocumentLine.objects.bulk_create(DocumentLine(tenant_id=document.tenant_id, document=document, **line) for line in lines)


def sync_copy(given, locked):
    """Bring the caller's instance up to date with the locked copy a service changed."""
    if given is not locked:
        given.refresh_from_db()


@ledger_service
def document_create(
    *, tenant, actor, legal_entity, doc_type, doc_ref=None, contact=None, doc_date, tax_date=None, due_date=None,
    their_doc_no="", their_ref="", description="", currency=None, currency_rate=None, lines, batch_no="", lookups=None,
):
    """Create a draft document numbered from its type's series; doc_ref defaults to that number.

    Codes (or instances) are resolved within `tenant`; any problem raises ValidationError and
    writes nothing, not even a number taken from the series. `lookups`: see `clean_document`.
    """
    clean = clean_document(
        tenant=tenant, legal_entity=legal_entity, doc_type=doc_type, doc_ref=doc_ref, contact=contact,
        doc_date=doc_date, tax_date=tax_date, due_date=due_date, their_doc_no=their_doc_no, their_ref=their_ref,
        description=description, currency=currency, currency_rate=currency_rate, lines=lines, batch_no=batch_no,
        lookups=lookups,
    )
    header = clean.header
    doc_no = series_next(series=header["doc_type"].series)
    if Document.objects.filter(tenant=tenant, doc_no=doc_no).exists():
        raise ValidationError(
            {"doc_type": f"Document number {doc_no} is already used; check the next number of series {header['doc_type'].series.code}"}
        )
    if not header["doc_ref"]:
        header["doc_ref"] = doc_no
        if Document.objects.filter(
            tenant=tenant, legal_entity=header["legal_entity"], doc_type=header["doc_type"], doc_ref__iexact=doc_no
        ).exists():
            raise ValidationError({"doc_ref": f"Document reference '{doc_no}' is already used by another document"})
    document = Document(tenant=tenant, doc_no=doc_no, status=DocumentStatus.DRAFT, created_by=actor, **header)
    document.save()
    save_lines(document, clean.lines)
    event_record(
        tenant=tenant, user=actor, action="document.created", obj=document,
        message=f"{document.doc_type.name} {doc_no} created as a draft with {len(clean.lines)} line(s).",
        after=document_snapshot(document) | {"lines": len(clean.lines)},
    )
    return document


@ledger_service
def document_update_draft(
    *, document, actor, legal_entity, doc_ref=None, contact=None, doc_date, tax_date=None, due_date=None,
    their_doc_no="", their_ref="", description="", currency=None, currency_rate=None, lines, batch_no="", lookups=None,
):
    """Replace a draft's header and all its lines (the document type and number stay). doc_ref None keeps it."""
    given = document
    document = lock_document(given)
    refuse_unless(document, {DocumentStatus.DRAFT}, "changed")
    before = document_snapshot(document) | {"lines": document.lines.count()}
    clean = clean_document(
        tenant=document.tenant, legal_entity=legal_entity, doc_type=document.doc_type,
        doc_ref=document.doc_ref if doc_ref is None else doc_ref, contact=contact, doc_date=doc_date,
        tax_date=tax_date, due_date=due_date, their_doc_no=their_doc_no, their_ref=their_ref, description=description,
        currency=currency, currency_rate=currency_rate, lines=lines, batch_no=batch_no, instance=document,
        lookups=lookups,
    )
    if not clean.header["doc_ref"]:
        clean.header["doc_ref"] = document.doc_no
    for field, value in clean.header.items():
        setattr(document, field, value)
    document.save()
    document.lines.all().delete()
    save_lines(document, clean.lines)
    event_record(
        tenant=document.tenant, user=actor, action="document.updated", obj=document,
        message=f"Draft {document.doc_no} replaced with {len(clean.lines)} line(s).",
        before=before, after=document_snapshot(document) | {"lines": len(clean.lines)},
    )
    sync_copy(given, document)
    return document


def _set_status(*, document, actor, allowed, status, doing, action, message):
    given = document
    document = lock_document(given)
    refuse_unless(document, allowed, doing)
    before = document_snapshot(document)
    document.status = status
    document.save(update_fields=["status"])
    event_record(
        tenant=document.tenant, user=actor, action=action, obj=document,
        message=message.format(doc_no=document.doc_no), before=before, after=document_snapshot(document),
    )
    sync_copy(given, document)
    return document


@ledger_service
def document_submit(*, document, actor):
    """Mark a draft as ready to post."""
    return _set_status(
        document=document, actor=actor, allowed={DocumentStatus.DRAFT}, status=DocumentStatus.SUBMITTED,
        doing="submitted", action="document.submitted", message="{doc_no} submitted.",
    )


@ledger_service
def document_void(*, document, actor):
    """Void a draft or submitted document; a posted one must be reversed instead."""
    return _set_status(
        document=document, actor=actor, allowed={DocumentStatus.DRAFT, DocumentStatus.SUBMITTED},
        status=DocumentStatus.VOID, doing="voided", action="document.voided", message="{doc_no} voided.",
    )
