"""Creating, replacing, submitting and voiding documents: defaults, and every bad input refused
with a clear message and nothing written."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.audit.models import Event
from finance.ledger import models as m
from finance.ledger import services as s
from tests.factories import UserFactory

from .conftest import counts
from .factories import DIMS, OPEN_DATE, ContactAccountFactory, document_kwargs, line, seeded_tenant


def _refused(**kwargs):
    """The error dict of a document_create that must fail, after checking it wrote nothing."""
    before = counts(), m.NumberSeries.objects.get(code=kwargs_series(kwargs)).next_number
    with pytest.raises(ValidationError) as excinfo:
        s.document_create(**kwargs)
    assert (counts(), m.NumberSeries.objects.get(code=kwargs_series(kwargs)).next_number) == before
    return excinfo.value.message_dict


def kwargs_series(kwargs):
    return {"SISTD": "SI", "SCSTD": "SC", "PISTD": "PI", "PCSTD": "PC", "JNSTD": "JN"}[kwargs["doc_type"]]


def test_a_sales_invoice_is_created_as_a_numbered_draft_with_defaults(ledger):
    actor = UserFactory()
    doc = s.document_create(**document_kwargs(ledger, actor=actor))
    assert (doc.doc_no, doc.doc_ref, doc.status) == ("SI000001", "SI000001", "draft")
    assert (doc.total_net, doc.total_tax, doc.total_gross) == (Decimal("100.00"), Decimal("20.00"), Decimal("120.00"))
    assert (doc.currency.code, doc.currency_rate, doc.tax_date) == ("GBP", 1, OPEN_DATE)
    assert doc.due_date == date(2025, 11, 14)  # the tenant default term 30D
    assert doc.created_by == actor
    line_ = doc.lines.get()
    assert (line_.line_no, line_.tax_amount, line_.gross_amount, line_.fund.code) == (1, Decimal("20.00"), Decimal("120.00"), "UNR")
    event = Event.objects.get(action="document.created")
    assert (event.actor, event.after["doc_no"], event.after["status"], event.after["total_gross"]) == (
        actor.email, "SI000001", "draft", "120.00"
    )
    assert s.document_create(**document_kwargs(ledger, doc_ref="INV-7")).doc_no == "SI000002"


def test_the_due_date_comes_from_the_contact_payment_term(ledger):
    ledger.customer.pay_term = m.PaymentTerm.objects.get(code="EOM30")
    ledger.customer.save()
    assert s.document_create(**document_kwargs(ledger)).due_date == date(2025, 11, 30)


def test_a_euro_supplier_document_uses_the_euro_rate_of_its_date(ledger):
    doc = s.document_create(**document_kwargs(ledger, "PISTD", contact="FABRIKAM-DE"))
    assert (doc.currency.code, doc.currency_rate) == ("EUR", Decimal("1.17"))
    old = document_kwargs(ledger, "PISTD", contact="FABRIKAM-DE", doc_date=date(2025, 8, 31))
    s.period_set_status(legal_entity=doc.legal_entity, period="2024/25 P12", is_open=True, actor=None)
    assert s.document_create(**old).currency_rate == Decimal("1.19")
    given = s.document_create(**document_kwargs(ledger, "PISTD", contact="FABRIKAM-DE", currency_rate="1.2"))
    assert given.currency_rate == Decimal("1.2")


def test_a_rate_other_than_one_for_the_base_currency_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, currency_rate="1.5"))
    assert errors == {"currency_rate": ["Currency rate must be blank or 1 for the base currency"]}


def test_a_journal_has_no_contact_due_date_or_tax_and_may_use_control_accounts(ledger):
    doc = s.document_create(**document_kwargs(ledger, "JNSTD", lines=[
        {"account": "20100", "net_amount": "50.00"}, {"account": "30900", "net_amount": "-50.00"},
    ]))
    assert (doc.doc_no, doc.contact, doc.due_date, doc.total_net, doc.total_gross) == ("JN000001", None, None, 0, 0)


def test_an_unbalanced_journal_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, "JNSTD", lines=[
        {"account": "70100", "net_amount": "250.00", **DIMS}, {"account": "21000", "net_amount": "-240.00"},
    ]))
    assert errors == {"lines": ["Journal does not balance: debits 250.00, credits 240.00"]}


def test_a_journal_with_a_contact_or_tax_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, "JNSTD", contact="ACME-STAT", lines=[
        {"account": "70100", "net_amount": "10.00", "tax_band": "STANDARD", **DIMS}, {"account": "21000", "net_amount": "-10.00"},
    ]))
    assert errors == {
        "contact": ["Contact account must be blank for journals"],
        "lines[1].tax_band": ["tax_band must be blank for journals"],
    }


def test_a_date_in_a_closed_period_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, doc_date=date(2024, 9, 1)))
    assert errors == {"doc_date": ["Date 01/09/2024 is in period 2024/25 P01, which is closed for KLT"]}


def test_a_date_outside_every_financial_year_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, doc_date=date(2030, 9, 1)))
    assert errors == {"doc_date": ["No open financial period for 01/09/2030 in legal entity KLT"]}


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        ({"legal_entity": "NOPE"}, "legal_entity", "Legal entity 'NOPE' does not exist"),
        ({"contact": "NOBODY"}, "contact", "Contact account 'NOBODY' does not exist"),
        ({"currency": "XYZ"}, "currency", "Currency 'XYZ' does not exist"),
        ({"lines": [line("99999")]}, "lines[1].account", "Account '99999' does not exist"),
        ({"lines": [line(tax_band="HIGH")]}, "lines[1].tax_band", "Tax band 'HIGH' does not exist"),
        ({"lines": [line(fund="GAGX")]}, "lines[1].fund", "Fund 'GAGX' does not exist"),
        ({"lines": [line(department="CEN")]}, "lines[1].department", "Department 'CEN' does not exist"),
    ],
)
def test_an_unknown_code_is_refused(ledger, overrides, key, message):
    assert _refused(**document_kwargs(ledger, **overrides)) == {key: [message]}


def test_an_unknown_document_type_is_refused(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.document_create(**document_kwargs(ledger) | {"doc_type": "XXSTD"})
    assert excinfo.value.message_dict["doc_type"] == ["Document type 'XXSTD' does not exist"]


def test_codes_and_objects_of_another_tenant_are_unknown(ledger):
    other = ContactAccountFactory(tenant=seeded_tenant(), code="ONLY-ELSEWHERE", is_customer=True)
    with_code = _refused(**document_kwargs(ledger, contact="ONLY-ELSEWHERE"))
    with_object = _refused(**document_kwargs(ledger, contact=other))
    assert with_code == with_object == {"contact": ["Contact account 'ONLY-ELSEWHERE' does not exist"]}


@pytest.mark.parametrize("account", ["20100", "30100", "20300", "30300"])
def test_a_control_or_vat_account_on_a_sales_line_is_refused(ledger, account):
    errors = _refused(**document_kwargs(ledger, lines=[line(account)]))
    assert errors == {"lines[1].account": [f"Account {account} is a control or VAT account and cannot be used on a document line"]}


def test_a_missing_required_dimension_names_the_dimension_and_the_account(ledger):
    bad = line("70100")
    del bad["fund"], bad["cost_centre"]
    errors = _refused(**document_kwargs(ledger, "PISTD", lines=[bad]))
    assert errors == {
        "lines[1].cost_centre": ["Cost centre is required for account 70100"],
        "lines[1].fund": ["Fund is required for account 70100"],
    }


def test_a_sales_line_takes_the_customer_default_dimensions(ledger):
    ledger.customer.customer_department = m.Dimension.objects.get(kind="department", code="CATER")
    ledger.customer.customer_cost_centre = m.Dimension.objects.get(kind="cost_centre", code="PRI")
    ledger.customer.save()
    doc = s.document_create(**document_kwargs(ledger, lines=[{"account": "50500", "net_amount": "10", "tax_band": "ZERO", "fund": "UNR"}]))
    assert (doc.lines.get().department.code, doc.lines.get().cost_centre.code) == ("CATER", "PRI")


def test_a_vat_amount_more_than_a_penny_out_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, lines=[line(tax_amount="25.00")]))
    assert errors == {"lines[1].tax_amount": ["VAT mismatch: tax 25.00 is not 20% of net 100.00 (expected 20.00)"]}


def test_a_vat_amount_within_a_penny_is_kept(ledger):
    doc = s.document_create(**document_kwargs(ledger, lines=[line(net="10.05", tax_amount="2.00")]))
    assert (doc.total_tax, doc.total_gross) == (Decimal("2.00"), Decimal("12.05"))


def test_vat_is_rounded_half_up(ledger):
    doc = s.document_create(**document_kwargs(ledger, lines=[line(net="0.25", tax_band="STANDARD"), line(net="10.10", tax_band="REDUCED")]))
    assert [l.tax_amount for l in doc.lines.order_by("line_no")] == [Decimal("0.05"), Decimal("0.51")]


def test_tax_on_a_zero_rated_line_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, lines=[line(tax_band="ZERO", tax_amount="0.01")]))
    assert errors == {"lines[1].tax_amount": ["VAT mismatch: tax 0.01 is not 0% of net 100.00 (expected 0.00)"]}


def test_a_gross_that_is_not_net_plus_tax_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, lines=[line(gross_amount="121.00")]))
    assert errors == {"lines[1].gross_amount": ["Gross 121.00 does not equal net 100.00 plus tax 20.00"]}


def test_a_customer_on_a_purchase_invoice_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, "PISTD", contact="DEMOSHIRE-CC"))
    assert errors == {"contact": ["Contact account 'DEMOSHIRE-CC' is not a supplier"]}


def test_a_supplier_on_a_sales_credit_note_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, "SCSTD", contact="ACME-STAT"))
    assert errors == {"contact": ["Contact account 'ACME-STAT' is not a customer"]}


def test_a_sales_document_needs_a_contact(ledger):
    assert _refused(**document_kwargs(ledger, contact=None)) == {"contact": ["Contact account is required for sales documents"]}


def test_a_document_total_of_zero_or_less_is_refused(ledger):
    errors = _refused(**document_kwargs(ledger, lines=[line(net="50.00"), line(net="-60.00")]))
    assert errors == {"lines": ["Document total must be greater than zero"]}


def test_a_discount_line_is_allowed_when_the_total_stays_positive(ledger):
    doc = s.document_create(**document_kwargs(ledger, lines=[line(net="50.00"), line(net="-10.00")]))
    assert (doc.total_net, doc.total_tax, doc.total_gross) == (Decimal("40.00"), Decimal("8.00"), Decimal("48.00"))


@pytest.mark.parametrize(
    ("net", "message"),
    [
        (100.1, "Cannot convert '100.1' to amount: give a Decimal or text, not a float"),
        ("10.005", "Amount '10.005' has more than 2 decimal places"),
        ("ten", "Cannot convert 'ten' to amount"),
    ],
)
def test_amounts_must_be_exact_decimals(ledger, net, message):
    assert _refused(**document_kwargs(ledger, lines=[line(net=net)])) == {"lines[1].net_amount": [message]}


def test_a_purchase_document_needs_a_supplier_number_unique_per_supplier(ledger):
    errors = _refused(**document_kwargs(ledger, "PISTD", their_doc_no=""))
    assert errors == {"their_doc_no": ["Supplier document number is required for purchase documents"]}
    s.document_create(**document_kwargs(ledger, "PISTD", their_doc_no="A-1"))
    errors = _refused(**document_kwargs(ledger, "PISTD", their_doc_no="a-1"))
    assert errors == {"their_doc_no": ["Supplier document number 'a-1' already exists for supplier ACME-STAT"]}


def test_a_doc_ref_is_unique_per_legal_entity_and_type(ledger):
    s.document_create(**document_kwargs(ledger, doc_ref="ORDER-1"))
    errors = _refused(**document_kwargs(ledger, doc_ref="order-1"))
    assert errors == {"doc_ref": ["Document reference 'order-1' is already used by SI000001"]}
    assert s.document_create(**document_kwargs(ledger, doc_ref="ORDER-1", legal_entity="KPA")).doc_no == "SI000002"


def test_every_problem_is_reported_at_once(ledger):
    errors = _refused(**document_kwargs(ledger, doc_date=date(2024, 9, 1), lines=[line("20100"), line(tax_amount="1.00")]))
    assert set(errors) == {"doc_date", "lines[1].account", "lines[2].tax_amount"}


def test_a_document_needs_lines(ledger):
    assert _refused(**document_kwargs(ledger, lines=[])) == {"lines": ["A document needs at least one line"]}


def test_a_draft_can_be_replaced_header_and_lines(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    s.document_update_draft(
        document=doc, actor=None, legal_entity="KLT", contact="DEMOSHIRE-CC", doc_date=date(2025, 11, 3),
        description="Lettings", lines=[line(net="10.00"), line("50700", net="30.00", tax_band="ZERO")],
    )
    doc.refresh_from_db()
    assert (doc.doc_no, doc.doc_ref, doc.doc_date, doc.total_gross) == ("SI000001", "SI000001", date(2025, 11, 3), Decimal("42.00"))
    assert [(l.line_no, l.account.code, l.description) for l in doc.lines.all()] == [(1, "50600", "Lettings"), (2, "50700", "Lettings")]
    event = Event.objects.get(action="document.updated")
    assert (event.before["total_gross"], event.after["total_gross"], event.before["lines"], event.after["lines"]) == ("120.00", "42.00", 1, 2)


def test_replacing_a_draft_with_bad_input_changes_nothing(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    before = counts(), list(doc.lines.values())
    with pytest.raises(ValidationError):
        s.document_update_draft(document=doc, actor=None, legal_entity="KLT", contact="DEMOSHIRE-CC",
                                doc_date=OPEN_DATE, lines=[line("20100")])
    assert (counts(), list(doc.lines.values())) == before


def test_only_drafts_can_be_replaced(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    s.document_post(document=doc, actor=None)
    with pytest.raises(ValidationError) as excinfo:
        s.document_update_draft(document=doc, actor=None, legal_entity="KLT", contact="DEMOSHIRE-CC", doc_date=OPEN_DATE, lines=[line()])
    assert excinfo.value.messages == ["Document 'SI000001' is posted and cannot be changed"]


def test_a_draft_is_submitted_once(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    s.document_submit(document=doc, actor=None)
    assert doc.status == "submitted"
    event = Event.objects.get(action="document.submitted")
    assert (event.before["status"], event.after["status"]) == ("draft", "submitted")
    with pytest.raises(ValidationError) as excinfo:
        s.document_submit(document=doc, actor=None)
    assert excinfo.value.messages == ["Document SI000001 is submitted; only draft documents can be submitted"]


@pytest.mark.parametrize("submit", [False, True])
def test_drafts_and_submitted_documents_can_be_voided(ledger, submit):
    doc = s.document_create(**document_kwargs(ledger))
    if submit:
        s.document_submit(document=doc, actor=None)
    s.document_void(document=doc, actor=None)
    assert m.Document.objects.get(pk=doc.pk).status == "void"
    assert Event.objects.filter(action="document.voided", object_uuid=str(doc.uuid)).count() == 1


def test_a_posted_document_cannot_be_voided(ledger):
    doc = s.document_create(**document_kwargs(ledger))
    s.document_post(document=doc, actor=None)
    with pytest.raises(ValidationError) as excinfo:
        s.document_void(document=doc, actor=None)
    assert excinfo.value.messages == ["Document SI000001 is posted; only draft or submitted documents can be voided"]
    assert m.Document.objects.get(pk=doc.pk).status == "posted"
