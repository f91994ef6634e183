"""Reference-data services: number series, rates, due dates, the calendar and the create functions."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.audit.models import Event
from finance.ledger import models as m
from finance.ledger import services as s

from .conftest import counts
from .factories import document_kwargs


def _errors(excinfo):
    return excinfo.value.message_dict


def test_series_next_formats_the_number_and_never_repeats_it(ledger):
    series = m.NumberSeries.objects.get(code="SI")
    numbers = [s.series_next(series=series) for _ in range(30)]
    assert numbers[:2] == ["SI000001", "SI000002"]
    assert len(set(numbers)) == 30 and numbers[-1] == "SI000030"
    assert m.NumberSeries.objects.get(code="SI").next_number == 31


def test_series_next_continues_from_the_stored_counter_not_a_stale_instance(ledger):
    stale = m.NumberSeries.objects.get(code="PI")
    fresh = m.NumberSeries.objects.get(code="PI")
    assert s.series_next(series=fresh) == "PI000001"
    assert s.series_next(series=stale) == "PI000002"


def test_batch_series_use_their_own_prefix(ledger):
    assert s.series_next(series=m.NumberSeries.objects.get(code="IMPORT")) == "IMP000001"
    assert s.series_next(series=m.NumberSeries.objects.get(code="SI")) == "SI000001"


@pytest.mark.parametrize(
    ("on_date", "expected"),
    [
        (date(2024, 9, 1), Decimal("1.19")),
        (date(2025, 8, 31), Decimal("1.19")),
        (date(2025, 9, 1), Decimal("1.17")),
        (date(2027, 1, 1), Decimal("1.17")),
    ],
)
def test_rate_for_takes_the_latest_rate_on_or_before_the_date(ledger, on_date, expected):
    assert s.rate_for(tenant=ledger.tenant, currency="EUR", on_date=on_date) == expected


def test_rate_for_the_base_currency_is_one(ledger):
    gbp = m.Currency.objects.get(code="GBP")
    assert s.rate_for(tenant=ledger.tenant, currency=gbp, on_date=date(2000, 1, 1)) == 1


def test_rate_for_a_date_before_any_rate_is_refused(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.rate_for(tenant=ledger.tenant, currency="usd", on_date=date(2024, 8, 31))
    assert _errors(excinfo) == {"currency_rate": ["No exchange rate for USD on 31/08/2024"]}


@pytest.mark.parametrize(
    ("term", "doc_date", "due"),
    [
        ("IMM", date(2026, 1, 15), date(2026, 1, 15)),
        ("14D", date(2026, 1, 15), date(2026, 1, 29)),
        ("30D", date(2026, 1, 15), date(2026, 2, 14)),
        ("60D", date(2025, 12, 31), date(2026, 3, 1)),
        ("EOM30", date(2026, 2, 15), date(2026, 3, 30)),
        ("EOM30", date(2026, 1, 1), date(2026, 3, 2)),
        ("EOM30", date(2025, 12, 31), date(2026, 1, 30)),
    ],
)
def test_due_dates_follow_the_payment_term(ledger, term, doc_date, due):
    assert s.due_date_for(term=m.PaymentTerm.objects.get(code=term), doc_date=doc_date) == due


def test_a_code_that_exists_in_another_case_is_refused_and_nothing_is_written(ledger):
    before = counts(), m.Currency.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        s.currency_create(tenant=ledger.tenant, code="eur", name="Euro again")
    assert _errors(excinfo) == {"code": ["Currency 'eur' already exists"]}
    assert (counts(), m.Currency.objects.count()) == before


def test_codes_with_other_characters_are_refused(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.payment_method_create(tenant=ledger.tenant, code="PAY PAL", name="PayPal")
    assert _errors(excinfo)["code"] == ["Invalid code 'PAY PAL': use letters, digits and . _ / -"]


def test_a_second_base_currency_and_a_second_default_term_are_refused(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.currency_create(tenant=ledger.tenant, code="CHF", name="Swiss franc", is_base=True)
    assert _errors(excinfo) == {"is_base": ["This environment already has a base currency"]}
    with pytest.raises(ValidationError) as excinfo:
        s.payment_term_create(tenant=ledger.tenant, code="45D", name="45 days", days=45, is_default=True)
    assert _errors(excinfo) == {"is_default": ["This environment already has a default payment term"]}


def test_exchange_rates_must_be_positive_and_one_per_currency_and_date(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.exchange_rate_create(tenant=ledger.tenant, currency="EUR", effective_from=date(2026, 2, 1), rate="0")
    assert _errors(excinfo) == {"rate": ["Rate must be greater than zero"]}
    with pytest.raises(ValidationError) as excinfo:
        s.exchange_rate_create(tenant=ledger.tenant, currency="EUR", effective_from=date(2025, 9, 1), rate="1.2")
    assert _errors(excinfo) == {"effective_from": ["EUR already has a rate from 01/09/2025"]}
    rate = s.exchange_rate_create(tenant=ledger.tenant, currency="EUR", effective_from=date(2026, 1, 1), rate="1.150000")
    assert s.rate_for(tenant=ledger.tenant, currency="EUR", on_date=date(2026, 1, 1)) == rate.rate == Decimal("1.15")


def test_a_tax_band_needs_vat_accounts(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.tax_band_create(
            tenant=ledger.tenant, authority="HMRC", code="SPECIAL", name="Special", rate="12.5",
            sales_account="50100", purchase_account="20300",
        )
    assert _errors(excinfo) == {"sales_account": ["Account 50100 is not an output VAT account"]}


def test_a_document_type_needs_a_number_series_not_a_batch_series(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.document_type_create(tenant=ledger.tenant, code="SIX", name="Other", family="sales_invoice", series="IMPORT")
    assert _errors(excinfo) == {"series": ["Number series IMPORT is a batch series; choose a number series"]}


def test_only_funds_can_be_restricted_and_codes_are_unique_per_kind(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.dimension_create(tenant=ledger.tenant, kind="project", code="X1", name="X", restricted=True)
    assert _errors(excinfo) == {"restricted": ["Only funds can be restricted"]}
    # CATER is a department; the same code as a cost centre is a different dimension.
    assert s.dimension_create(tenant=ledger.tenant, kind="cost_centre", code="CATER", name="Kitchen").kind == "cost_centre"
    with pytest.raises(ValidationError) as excinfo:
        s.dimension_create(tenant=ledger.tenant, kind="department", code="cater", name="Catering")
    assert _errors(excinfo) == {"code": ["Department 'cater' already exists"]}


def test_a_financial_year_gets_twelve_periods_and_statuses_for_the_group_legal_entities(ledger):
    year = s.financial_year_create(tenant=ledger.tenant, group="ACADEMIC", code="2027/28", start=date(2027, 9, 1))
    periods = list(year.periods.order_by("number"))
    assert [p.code for p in periods][:2] == ["2027/28 P01", "2027/28 P02"] and len(periods) == 12
    assert (periods[5].start, periods[5].end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert year.end == date(2028, 8, 31)
    assert m.PeriodStatus.objects.filter(period__year=year, is_open=True).count() == 48


def test_a_financial_year_must_start_on_the_first_and_not_overlap(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.financial_year_create(tenant=ledger.tenant, group="ACADEMIC", code="X", start=date(2027, 9, 2))
    assert _errors(excinfo) == {"start": ["A financial year starts on the first day of a month"]}
    with pytest.raises(ValidationError) as excinfo:
        s.financial_year_create(tenant=ledger.tenant, group="ACADEMIC", code="2026/27B", start=date(2027, 1, 1))
    assert _errors(excinfo) == {"start": ["The year overlaps financial year 2026/27 (01/09/2026 to 31/08/2027)"]}


def test_closing_a_period_stops_documents_and_reopening_allows_them(ledger):
    klt = m.LegalEntity.objects.get(code="KLT")
    s.period_set_status(legal_entity=klt, period="2025/26 p02", is_open=False, actor=None)
    with pytest.raises(ValidationError) as excinfo:
        s.document_create(**document_kwargs(ledger))
    assert _errors(excinfo) == {"doc_date": ["Date 15/10/2025 is in period 2025/26 P02, which is closed for KLT"]}
    # Other legal entities keep their own status.
    assert s.document_create(**document_kwargs(ledger, legal_entity="KPA")).status == "draft"
    s.period_set_status(legal_entity=klt, period="2025/26 P02", is_open=True, actor=None)
    assert s.document_create(**document_kwargs(ledger)).legal_entity == klt
    events = Event.objects.filter(action__in=["period.opened", "period.closed"]).order_by("id")
    assert [(e.action, e.before["is_open"], e.after["is_open"]) for e in events] == [
        ("period.closed", True, False), ("period.opened", False, True)
    ]


def test_setting_a_period_to_its_current_status_writes_nothing(ledger):
    klt = m.LegalEntity.objects.get(code="KLT")
    before = Event.objects.count()
    s.period_set_status(legal_entity=klt, period="2025/26 P01", is_open=True, actor=None)
    assert Event.objects.count() == before


def test_an_unknown_period_is_refused(ledger):
    with pytest.raises(ValidationError) as excinfo:
        s.period_set_status(legal_entity=m.LegalEntity.objects.get(code="KLT"), period="2099/00 P01", is_open=True, actor=None)
    assert _errors(excinfo) == {"period": ["Period '2099/00 P01' does not exist"]}


CREATES = [
    ("currency.created", lambda t: s.currency_create(tenant=t, code="CHF", name="Swiss franc")),
    ("exchange_rate.created", lambda t: s.exchange_rate_create(tenant=t, currency="USD", effective_from=date(2026, 1, 1), rate="1.3")),
    ("year_group.created", lambda t: s.year_group_create(tenant=t, code="CALENDAR", name="Calendar year")),
    ("financial_year.created", lambda t: s.financial_year_create(tenant=t, group="ACADEMIC", code="2027/28", start=date(2027, 9, 1))),
    ("legal_entity.created", lambda t: s.legal_entity_create(tenant=t, code="KNA", name="New academy", base_currency="GBP", year_group="ACADEMIC")),
    ("nominal_account.created", lambda t: s.nominal_account_create(tenant=t, code="50950", name="Donations", account_class="IN", account_type="income", requires_dimensions=True)),
    ("dimension.created", lambda t: s.dimension_create(tenant=t, kind="project", code="IT27", name="IT refresh")),
    ("tax_authority.created", lambda t: s.tax_authority_create(tenant=t, code="REV", name="Revenue", country_code="ie")),
    ("tax_band.created", lambda t: s.tax_band_create(tenant=t, authority="HMRC", code="HALF", name="Half", rate="10", sales_account="30300", purchase_account="20300")),
    ("payment_term.created", lambda t: s.payment_term_create(tenant=t, code="7D", name="7 days", days=7)),
    ("payment_method.created", lambda t: s.payment_method_create(tenant=t, code="CASH", name="Cash")),
    ("number_series.created", lambda t: s.number_series_create(tenant=t, code="SX", name="Extra", prefix="SX")),
    ("document_type.created", lambda t: s.document_type_create(tenant=t, code="SIX", name="Extra invoices", family="sales_invoice", series="SI")),
]


@pytest.mark.parametrize(("action", "create"), CREATES, ids=[a for a, _ in CREATES])
def test_each_create_service_writes_one_event(ledger, action, create):
    before = Event.objects.count()
    obj = create(ledger.tenant)
    assert obj.pk is not None and obj.tenant_id == ledger.tenant.pk
    assert Event.objects.count() == before + 1
    event = Event.objects.order_by("-id").first()
    assert (event.action, event.actor) == (action, "system")
    assert event.after
