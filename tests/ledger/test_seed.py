"""seed_ledger builds demo-data sections 1-8, 11 and 12 exactly, through the services, and a second
run changes nothing."""

from datetime import date
from decimal import Decimal

import pytest

from finance.audit.models import Event
from finance.ledger import models as m
from finance.ledger.demo import seed_ledger
from finance.ledger.services import period_set_status, series_next
from finance.tenancy import scope
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

# The chart of demo-data section 4, typed out again here so that the seed is checked against the spec.
SPEC_ACCOUNTS = """
10100 10500 10510 20100 20200 20300 20400 21000 21010 21020 21090 30100 30200 30300 30400 30500
30600 30900 40100 40200 40300 50100 50200 50300 50400 50500 50600 50700 50800 50900 60100 60200
60300 70100 70200 70300 70400 70500 70600 70700 70800 70900 71000 71100 71200
""".split()
MODELS = [
    m.Currency, m.ExchangeRate, m.FinancialYearGroup, m.LegalEntity, m.FinancialYear, m.Period, m.PeriodStatus,
    m.NominalAccount, m.Dimension, m.TaxAuthority, m.TaxBand, m.PaymentTerm, m.PaymentMethod, m.NumberSeries,
    m.DocumentType,
]


def _quiet(*args):
    pass


def _state(tenant):
    with scope.activate(tenant):
        return {model.__name__: sorted(map(repr, model.objects.values())) for model in MODELS}


@pytest.fixture
def tenant():
    return TenantFactory(slug="demo-like")


def test_the_seed_creates_exactly_the_rows_of_the_spec(tenant):
    created = seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        counts = {model.__name__: model.objects.count() for model in MODELS}
    assert counts == {
        "Currency": 3, "ExchangeRate": 4, "FinancialYearGroup": 1, "LegalEntity": 4, "FinancialYear": 3,
        "Period": 36, "PeriodStatus": 144, "NominalAccount": 45, "Dimension": 19, "TaxAuthority": 1,
        "TaxBand": 5, "PaymentTerm": 5, "PaymentMethod": 5, "NumberSeries": 9, "DocumentType": 5,
    }
    assert created == sum(counts.values()) == 289


def test_the_chart_matches_the_spec_table(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        accounts = {a.code: a for a in m.NominalAccount.objects.all()}
    assert sorted(accounts) == sorted(SPEC_ACCOUNTS)
    assert accounts["20100"].account_type == m.AccountType.DEBTORS_CONTROL
    assert accounts["30100"].account_type == m.AccountType.CREDITORS_CONTROL
    assert accounts["20300"].account_type == m.AccountType.INPUT_VAT
    assert accounts["30300"].account_type == m.AccountType.OUTPUT_VAT
    assert accounts["21010"].account_type == m.AccountType.BANK
    assert {a.code for a in accounts.values() if a.requires_dimensions} == {c for c in SPEC_ACCOUNTS if c >= "50000"}
    assert {a.account_class for a in accounts.values() if a.code.startswith("5")} == {m.AccountClass.INCOME}
    assert {a.account_class for a in accounts.values() if a.code[0] in "67"} == {m.AccountClass.EXPENDITURE}
    assert {a.code for a in accounts.values() if a.is_control} == {"20100", "20300", "30100", "30300"}


def test_years_have_twelve_monthly_periods_closed_in_2024_25_and_open_later(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        p07 = m.Period.objects.get(code="2025/26 P07")
        assert (p07.number, p07.start, p07.end) == (7, date(2026, 3, 1), date(2026, 3, 31))
        p01 = m.Period.objects.get(code="2024/25 P01")
        assert (p01.start, p01.end) == (date(2024, 9, 1), date(2024, 9, 30))
        assert m.Period.objects.get(code="2026/27 P12").end == date(2027, 8, 31)
        closed = m.PeriodStatus.objects.filter(is_open=False)
        assert closed.count() == 48
        assert set(closed.values_list("period__year__code", flat=True)) == {"2024/25"}
        assert set(m.PeriodStatus.objects.values_list("legal_entity__code", flat=True)) == {"KLT", "KPA", "KHA", "KTL"}
        assert m.FinancialYearGroup.objects.get().legal_entities.count() == 4


def test_reference_data_carries_the_spec_values(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        assert list(m.Currency.objects.filter(is_base=True).values_list("code", flat=True)) == ["GBP"]
        rates = {(r.currency.code, r.effective_from): r.rate for r in m.ExchangeRate.objects.all()}
        assert rates[("EUR", date(2025, 9, 1))] == Decimal("1.170000")
        assert rates[("USD", date(2024, 9, 1))] == Decimal("1.310000")
        klt = m.LegalEntity.objects.get(code="KLT")
        assert (klt.company_no, klt.vat_no, klt.base_currency.code) == ("99000001", "GB999000011", "GBP")
        assert m.LegalEntity.objects.get(code="KPA").vat_no == ""
        funds = dict(m.Dimension.objects.filter(kind="fund").values_list("code", "restricted"))
        assert funds == {"GAG": True, "PP": True, "CIF": True, "UNR": False}
        assert m.Dimension.objects.filter(kind="department").count() == 7
        assert m.Dimension.objects.filter(kind="cost_centre").count() == 6
        assert m.TaxAuthority.objects.get().country_code == "GB"
        bands = {b.code: b for b in m.TaxBand.objects.all()}
        assert bands["STANDARD"].rate == Decimal("20.00") and bands["REDUCED"].rate == Decimal("5.00")
        assert {(b.sales_account.code, b.purchase_account.code) for b in bands.values()} == {("30300", "20300")}
        terms = {t.code: t for t in m.PaymentTerm.objects.all()}
        assert [c for c, t in terms.items() if t.is_default] == ["30D"]
        assert (terms["EOM30"].days, terms["EOM30"].from_month_end) == (30, True)
        assert terms["IMM"].days == 0
        series = {x.code: x for x in m.NumberSeries.objects.all()}
        assert {c for c, x in series.items() if x.kind == "batch"} == {"IMPORT", "BANK", "RUN"}
        assert series["CONTACT"].format(1) == "AC000001" and series["IMPORT"].format(1) == "IMP000001"
        types = {t.code: (t.family, t.series.code) for t in m.DocumentType.objects.all()}
        assert types == {
            "SISTD": ("sales_invoice", "SI"), "SCSTD": ("sales_credit", "SC"), "PISTD": ("purchase_invoice", "PI"),
            "PCSTD": ("purchase_credit", "PC"), "JNSTD": ("journal", "JN"),
        }


def test_the_seed_is_recorded_in_the_event_log_by_the_system(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        events = Event.objects.all()
        # One event per service call: a financial year and its periods and statuses are one call.
        assert events.count() == 3 + 4 + 1 + 4 + 3 + 45 + 19 + 1 + 5 + 5 + 5 + 9 + 5
        assert set(events.values_list("actor", flat=True)) == {"system"}
        assert events.filter(action="nominal_account.created").count() == 45
        assert events.filter(action="financial_year.created").count() == 3


def test_a_second_run_creates_nothing_and_changes_nothing(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    before = _state(tenant)
    with scope.activate(tenant):
        events = Event.objects.count()
    assert seed_ledger(tenant=tenant, out=_quiet) == 0
    assert _state(tenant) == before
    with scope.activate(tenant):
        assert Event.objects.count() == events


def test_a_second_run_keeps_counters_and_period_statuses_as_users_left_them(tenant):
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        series = m.NumberSeries.objects.get(code="SI")
        series_next(series=series)
        klt = m.LegalEntity.objects.get(code="KLT")
        period_set_status(legal_entity=klt, period="2024/25 P01", is_open=True, actor=None)
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(tenant):
        assert m.NumberSeries.objects.get(code="SI").next_number == 2
        assert m.PeriodStatus.objects.get(legal_entity=klt, period__code="2024/25 P01").is_open


def test_harrier_gets_the_same_reference_data_with_legal_entity_hda_only():
    harrier = TenantFactory(slug="harrier")
    created = seed_ledger(tenant=harrier, out=_quiet)
    with scope.activate(harrier):
        assert list(m.LegalEntity.objects.values_list("code", "name")) == [("HDA", "Harrier Demo Academy")]
        assert m.NominalAccount.objects.count() == 45 and m.Period.objects.count() == 36
        assert m.PeriodStatus.objects.count() == 36
        assert m.PeriodStatus.objects.filter(is_open=False, period__year__code="2024/25").count() == 12
    assert created == 289 - 3 - 108


def test_legal_entities_can_be_chosen_and_a_later_one_gets_its_period_statuses(tenant):
    seed_ledger(tenant=tenant, out=_quiet, legal_entities=[("HDA", "Harrier Demo Academy")])
    created = seed_ledger(tenant=tenant, out=_quiet, legal_entities=[("KLT", "Kestrel Demo Learning Trust", "99000001")])
    assert created == 1 + 36
    with scope.activate(tenant):
        assert sorted(m.LegalEntity.objects.values_list("code", flat=True)) == ["HDA", "KLT"]
        assert m.PeriodStatus.objects.filter(legal_entity__code="KLT", is_open=True).count() == 24
        assert m.LegalEntity.objects.get(code="KLT").company_no == "99000001"
        assert Event.objects.filter(action="period_status.created", object_repr__startswith="KLT").count() == 3


def test_seeding_one_tenant_leaves_another_untouched(tenant):
    other = TenantFactory(slug="other")
    seed_ledger(tenant=tenant, out=_quiet)
    with scope.activate(other):
        assert m.NominalAccount.objects.count() == 0 and Event.objects.count() == 0
