"""Posting, unposting and reversing: balanced postings with the signs of import-formats 5.4,
base rounding on the control posting, and the refusals that keep the ledger consistent."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.audit.models import Event
from finance.ledger import models as m
from finance.ledger import services as s
from tests.factories import UserFactory

from .conftest import counts
from .factories import DIMS, document_kwargs, line


def _postings(doc):
    return [(p.kind, p.account.code, p.amount) for p in m.Posting.objects.filter(document=doc).select_related("account")]


def _sums(doc):
    rows = m.Posting.objects.filter(document=doc)
    return sum(p.amount for p in rows), sum(p.base_amount for p in rows)


def _post(ledger, doc_type="SISTD", **overrides):
    doc = s.document_create(**document_kwargs(ledger, doc_type, **overrides))
    return s.document_post(document=doc, actor=None)


@pytest.mark.parametrize(
    ("doc_type", "expected"),
    [
        ("SISTD", [("line", "50600", "-100.00"), ("vat", "30300", "-20.00"), ("control", "20100", "120.00")]),
        ("SCSTD", [("line", "50600", "100.00"), ("vat", "30300", "20.00"), ("control", "20100", "-120.00")]),
        ("PISTD", [("line", "70100", "100.00"), ("vat", "20300", "20.00"), ("control", "30100", "-120.00")]),
        ("PCSTD", [("line", "70100", "-100.00"), ("vat", "20300", "-20.00"), ("control", "30100", "120.00")]),
        ("JNSTD", [("line", "70100", "250.00"), ("line", "21000", "-250.00")]),
    ],
)
def test_posting_gives_balanced_postings_with_the_spec_signs(ledger, doc_type, expected):
    doc = _post(ledger, doc_type)
    assert _postings(doc) == [(k, a, Decimal(v)) for k, a, v in expected]
    assert _sums(doc) == (0, 0)
    assert doc.status == "posted" and doc.posted_at is not None
    postings = m.Posting.objects.filter(document=doc)
    assert {p.period.code for p in postings} == {"2025/26 P02"}
    assert all(p.base_amount == p.amount and p.legal_entity.code == "KLT" for p in postings)


def test_line_postings_carry_the_line_dimensions_and_the_contact(ledger):
    doc = _post(ledger, lines=[line(project="TRIP26")])
    posting = m.Posting.objects.get(document=doc, kind="line")
    assert (posting.department.code, posting.cost_centre.code, posting.fund.code, posting.project.code) == ("ADMIN", "CEN", "UNR", "TRIP26")
    assert posting.contact == ledger.customer and posting.line == doc.lines.get()
    assert m.Posting.objects.get(document=doc, kind="control").fund is None


def test_vat_is_posted_once_per_tax_account_and_not_at_all_when_zero(ledger):
    doc = _post(ledger, lines=[line(net="100.00"), line(net="200.00", tax_band="REDUCED"), line(net="50.00", tax_band="ZERO")])
    assert _postings(doc)[3:] == [("vat", "30300", Decimal("-30.00")), ("control", "20100", Decimal("380.00"))]
    zero = _post(ledger, lines=[line(tax_band="EXEMPT")])
    assert [k for k, _, _ in _postings(zero)] == ["line", "control"]


def test_a_euro_document_puts_the_base_rounding_on_the_control_posting(ledger):
    doc = _post(ledger, "PISTD", contact="FABRIKAM-DE", lines=[line("70100", net="10.00")] * 3)
    rows = list(m.Posting.objects.filter(document=doc).order_by("seq"))
    assert [(p.kind, p.amount, p.base_amount) for p in rows] == [
        ("line", Decimal("10.00"), Decimal("8.55")),
        ("line", Decimal("10.00"), Decimal("8.55")),
        ("line", Decimal("10.00"), Decimal("8.55")),
        ("vat", Decimal("6.00"), Decimal("5.13")),
        # 36.00 / 1.17 = 30.77 on its own; the control posting takes the penny so the base balances.
        ("control", Decimal("-36.00"), Decimal("-30.78")),
    ]
    assert {p.currency.code for p in rows} == {"EUR"}
    assert _sums(doc) == (0, 0)


def test_a_euro_journal_puts_the_base_rounding_on_its_last_posting(ledger):
    lines = [{"account": "70100", "net_amount": "10.00", **DIMS}] * 3 + [{"account": "21010", "net_amount": "-30.00"}]
    doc = _post(ledger, "JNSTD", currency="EUR", lines=lines)
    assert [p.base_amount for p in m.Posting.objects.filter(document=doc)] == [Decimal("8.55")] * 3 + [Decimal("-25.65")]


def test_posting_into_a_period_closed_since_the_draft_is_refused_and_writes_nothing(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    s.period_set_status(legal_entity=doc.legal_entity, period="2025/26 P02", is_open=False, actor=None)
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        s.document_post(document=doc, actor=None)
    assert excinfo.value.message_dict == {"doc_date": ["Date 15/10/2025 is in period 2025/26 P02, which is closed for KLT"]}
    assert counts() == before and m.Document.objects.get(pk=doc.pk).status == "draft"


def test_a_posted_or_void_document_cannot_be_posted_again(ledger):
    doc = _post(ledger)
    with pytest.raises(ValidationError) as excinfo:
        s.document_post(document=doc, actor=None)
    assert excinfo.value.messages == ["Document SI000001 is posted; only draft or submitted documents can be posted"]
    void = s.document_void(document=s.document_create(**document_kwargs(ledger)), actor=None)
    with pytest.raises(ValidationError):
        s.document_post(document=void, actor=None)
    assert m.Posting.objects.count() == 3


def test_a_submitted_document_can_be_posted(ledger):
    doc = s.document_submit(document=s.document_create(**document_kwargs(ledger)), actor=None)
    assert s.document_post(document=doc, actor=None).status == "posted"


def test_unposting_deletes_the_postings_and_makes_the_document_submitted(ledger):
    doc = _post(ledger)
    other = _post(ledger)
    s.document_unpost(document=doc, actor=None)
    assert (doc.status, doc.posted_at) == ("submitted", None)
    assert m.Posting.objects.filter(document=doc).count() == 0
    assert m.Posting.objects.filter(document=other).count() == 3
    event = Event.objects.get(action="document.unposted")
    assert (event.before["status"], event.after["status"], event.after["postings_removed"]) == ("posted", "submitted", 3)
    s.document_post(document=doc, actor=None)
    assert _sums(doc) == (0, 0) and m.Posting.objects.filter(document=doc).count() == 3


def test_unposting_from_a_closed_period_is_refused(ledger):
    doc = _post(ledger)
    s.period_set_status(legal_entity=doc.legal_entity, period="2025/26 P02", is_open=False, actor=None)
    with pytest.raises(ValidationError) as excinfo:
        s.document_unpost(document=doc, actor=None)
    assert excinfo.value.messages == ["Period 2025/26 P02 is closed for KLT; SI000001 cannot be unposted"]
    assert m.Posting.objects.filter(document=doc).count() == 3


@pytest.mark.parametrize("doc_type", ["SISTD", "PCSTD", "JNSTD"])
def test_reversing_creates_a_posted_document_with_the_exact_negation(ledger, doc_type):
    overrides = {"contact": "FABRIKAM-DE"} if doc_type == "PCSTD" else {}
    doc = _post(ledger, doc_type, **overrides)
    reversal = s.document_reverse(document=doc, actor=None, date=date(2025, 12, 1))
    assert (reversal.status, reversal.reversal_of, reversal.doc_type, reversal.doc_date) == ("posted", doc, doc.doc_type, date(2025, 12, 1))
    assert reversal.doc_no == doc.doc_no[:2] + "000002"
    assert (reversal.total_net, reversal.total_gross) == (-doc.total_net, -doc.total_gross)
    assert [l.net_amount for l in reversal.lines.all()] == [-l.net_amount for l in doc.lines.all()]
    original = list(m.Posting.objects.filter(document=doc).order_by("seq"))
    negated = list(m.Posting.objects.filter(document=reversal).order_by("seq"))
    assert [(p.account_id, p.kind, -p.amount, -p.base_amount) for p in original] == [
        (p.account_id, p.kind, p.amount, p.base_amount) for p in negated
    ]
    assert {p.period.code for p in negated} == {"2025/26 P04"}
    assert all(p.line is None or p.line.document_id == reversal.pk for p in negated)
    assert _sums(reversal) == (0, 0)


def test_a_document_is_reversed_only_once(ledger):
    doc = _post(ledger)
    reversal = s.document_reverse(document=doc, actor=None)
    before = counts()
    with pytest.raises(ValidationError) as excinfo:
        s.document_reverse(document=doc, actor=None)
    assert excinfo.value.messages == ["Document SI000001 has already been reversed by SI000002"]
    with pytest.raises(ValidationError) as excinfo:
        s.document_reverse(document=reversal, actor=None)
    assert excinfo.value.messages == ["Document SI000002 is the reversal of SI000001"]
    with pytest.raises(ValidationError):
        s.document_unpost(document=doc, actor=None)
    assert counts() == before


def test_drafts_cannot_be_reversed(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    with pytest.raises(ValidationError) as excinfo:
        s.document_reverse(document=doc, actor=None)
    assert excinfo.value.messages == ["Document SI000001 is draft; only posted documents can be reversed"]
    assert m.Document.objects.count() == 1


def test_a_reversal_into_a_closed_period_is_refused(ledger):
    doc = _post(ledger)
    with pytest.raises(ValidationError) as excinfo:
        s.document_reverse(document=doc, actor=None, date=date(2025, 8, 31))
    assert excinfo.value.message_dict == {"date": ["Date 31/08/2025 is in period 2024/25 P12, which is closed for KLT"]}
    assert m.Document.objects.count() == 1 and m.NumberSeries.objects.get(code="SI").next_number == 2


def test_every_document_service_writes_one_event_with_the_actor(ledger):
    actor = UserFactory()
    draft = s.document_create(**document_kwargs(ledger, actor=actor))
    s.document_update_draft(document=draft, actor=actor, legal_entity="KLT", contact="DEMOSHIRE-CC", doc_date=draft.doc_date, lines=[line()])
    s.document_submit(document=draft, actor=actor)
    s.document_post(document=draft, actor=actor)
    s.document_unpost(document=draft, actor=actor)
    s.document_post(document=draft, actor=actor)
    s.document_reverse(document=draft, actor=actor)
    s.document_void(document=s.document_create(**document_kwargs(ledger)), actor=actor)
    events = Event.objects.filter(action__startswith="document.").order_by("id")
    assert [e.action for e in events] == [
        "document.created", "document.updated", "document.submitted", "document.posted", "document.unposted",
        "document.posted", "document.reversed", "document.created", "document.voided",
    ]
    assert {e.actor for e in events} - {"system"} == {actor.email}
    posted = events.filter(action="document.posted").first()
    assert (posted.before["status"], posted.after["status"], posted.after["period"]) == ("submitted", "posted", "2025/26 P02")
    reversed_ = events.get(action="document.reversed")
    assert (reversed_.object_repr, reversed_.after["doc_no"], reversed_.after["reversal_of"]) == ("SI000001", "SI000002", "SI000001")
