"""Number series (document numbers, contact codes, batch numbers) and the document types that use them."""

from django.db.models import F

from ..models import DocumentFamily, DocumentType, NumberSeries
from ._common import Errors, coded_create, ledger_service, resolve


@ledger_service
def number_series_create(*, tenant, actor=None, code, name, kind=NumberSeries.Kind.NUMBER, prefix="", digits=6, next_number=1):
    """A tenant-wide counter formatted as prefix + zero-padded number (SI000001)."""
    errors = Errors()
    if kind not in NumberSeries.Kind.values:
        errors.add("kind", f"Invalid value '{kind}' for kind: expected one of {', '.join(NumberSeries.Kind.values)}", code="E09")
    if not isinstance(digits, int) or not 1 <= digits <= 12:
        errors.add("digits", "Digits must be a whole number from 1 to 12")
    if not isinstance(next_number, int) or next_number < 1:
        errors.add("next_number", "The next number must be a whole number of at least 1")
    return coded_create(
        NumberSeries, tenant=tenant, actor=actor, code=code, name=name, thing="Number series",
        action="number_series.created", extra_errors=errors, snapshot=("kind", "prefix", "digits", "next_number"),
        kind=kind, prefix=(prefix or "").strip(), digits=digits, next_number=next_number,
    )


@ledger_service
def series_next(*, series):
    """Take the next number of the series and return it formatted (SI000001).

    The counter is bumped with one UPDATE inside the caller's transaction, so the row stays locked
    until that transaction ends and two concurrent callers can never be given the same number; a
    caller that rolls back gives its number back. No Event is written here: the number is recorded
    by the event of whatever it numbers (the document, the contact, the run).
    """
    updated = NumberSeries.objects.filter(tenant_id=series.tenant_id, pk=series.pk).update(next_number=F("next_number") + 1)
    if updated != 1:
        raise NumberSeries.DoesNotExist(f"Number series {series.code} no longer exists")
    taken = NumberSeries.objects.filter(pk=series.pk).values_list("next_number", flat=True).get() - 1
    series.next_number = taken + 1
    return series.format(taken)


@ledger_service
def document_type_create(*, tenant, actor=None, code, name, family, series):
    """A document type: its family decides the ledger effect, its series the document numbers."""
    errors = Errors()
    if family not in DocumentFamily.values:
        errors.add("family", f"Invalid value '{family}' for family: expected one of {', '.join(DocumentFamily.values)}", code="E09")
    series = resolve(NumberSeries, tenant, series, "Number series", key="series", errors=errors, required=True)
    if series is not None and series.kind != NumberSeries.Kind.NUMBER:
        errors.add("series", f"Number series {series.code} is a batch series; choose a number series")
    return coded_create(
        DocumentType, tenant=tenant, actor=actor, code=code, name=name, thing="Document type",
        action="document_type.created", extra_errors=errors, snapshot=("family", "series"), family=family, series=series,
    )
