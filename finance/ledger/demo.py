"""The ledger part of the demo environments (shared/spec/demo-data.md sections 1-8, 11, 12 and 19).

`seed_ledger` creates what is missing, identified by code, through the ledger services (so the
Event log records it, by the system), and never changes a row that exists.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from finance.tenancy import scope

from . import services as s
from .models import (
    AccountClass as C,
    AccountType as T,
    Currency,
    Dimension,
    DimensionKind,
    DocumentFamily as F,
    DocumentType,
    ExchangeRate,
    FinancialYear,
    FinancialYearGroup,
    LegalEntity,
    NominalAccount,
    NumberSeries,
    PaymentMethod,
    PaymentTerm,
    TaxAuthority,
    TaxBand,
)
from .selectors import codes_of

# (code, name, company no., VAT registration no.)
DEMO_LEGAL_ENTITIES = [
    ("KLT", "Kestrel Demo Learning Trust", "99000001", "GB999000011"),
    ("KPA", "Kestrel Demo Primary Academy", "", ""),
    ("KHA", "Kestrel Demo High Academy", "", ""),
    ("KTL", "Kestrel Demo Trading Ltd", "99000002", "GB999000022"),
]
HARRIER_LEGAL_ENTITIES = [("HDA", "Harrier Demo Academy", "", "")]
LEGAL_ENTITIES_BY_SLUG = {"demo": DEMO_LEGAL_ENTITIES, "harrier": HARRIER_LEGAL_ENTITIES}

CURRENCIES = [("GBP", "Pound sterling", True), ("EUR", "Euro", False), ("USD", "US dollar", False)]
RATES = [
    ("EUR", date(2024, 9, 1), Decimal("1.190000")),
    ("USD", date(2024, 9, 1), Decimal("1.310000")),
    ("EUR", date(2025, 9, 1), Decimal("1.170000")),
    ("USD", date(2025, 9, 1), Decimal("1.270000")),
]
YEAR_GROUP = ("ACADEMIC", "Academy year (1 September – 31 August)")
# (code, start, open)
YEARS = [("2024/25", date(2024, 9, 1), False), ("2025/26", date(2025, 9, 1), True), ("2026/27", date(2026, 9, 1), True)]

_BS = [
    ("10100", "Land and buildings – cost", T.FIXED_ASSET),
    ("10500", "Furniture and equipment – cost", T.FIXED_ASSET),
    ("10510", "Furniture and equipment – depreciation", T.FIXED_ASSET),
    ("20100", "Trade debtors (sales ledger control)", T.DEBTORS_CONTROL),
    ("20200", "Prepayments and accrued income", T.CURRENT_ASSET),
    ("20300", "VAT recoverable (input VAT)", T.INPUT_VAT),
    ("20400", "Other debtors", T.CURRENT_ASSET),
    ("21000", "Bank – current account", T.BANK),
    ("21010", "Bank – euro account", T.BANK),
    ("21020", "Bank – reserve and savings account", T.BANK),
    ("21090", "Petty cash", T.CURRENT_ASSET),
    ("30100", "Trade creditors (purchase ledger control)", T.CREDITORS_CONTROL),
    ("30200", "Accruals", T.CURRENT_LIABILITY),
    ("30300", "VAT payable (output VAT)", T.OUTPUT_VAT),
    ("30400", "PAYE and National Insurance", T.CURRENT_LIABILITY),
    ("30500", "Pension contributions payable", T.CURRENT_LIABILITY),
    ("30600", "Deferred income", T.CURRENT_LIABILITY),
    ("30900", "Suspense", T.CURRENT_LIABILITY),
    ("40100", "Unrestricted funds reserve", T.RESERVES),
    ("40200", "Restricted general funds reserve", T.RESERVES),
    ("40300", "Restricted fixed asset funds reserve", T.RESERVES),
]
_INCOME = [
    ("50100", "General Annual Grant (GAG)"), ("50200", "Pupil premium"), ("50300", "Other DfE revenue grants"),
    ("50400", "Local authority SEN funding"), ("50500", "Catering income"), ("50600", "Lettings income"),
    ("50700", "School trips income"), ("50800", "Sales of uniform and goods"), ("50900", "Bank interest received"),
]
_EXPENDITURE = [
    ("60100", "Teaching staff salaries"), ("60200", "Education support staff salaries"),
    ("60300", "Agency supply teaching staff"), ("70100", "Educational supplies and services"),
    ("70200", "Examination fees"), ("70300", "ICT costs"), ("70400", "Catering supplies"), ("70500", "Energy"),
    ("70600", "Cleaning and caretaking"), ("70700", "Maintenance of premises"), ("70800", "Insurance"),
    ("70900", "Audit and professional fees"), ("71000", "Bank charges"), ("71100", "Cost of goods sold"),
    ("71200", "Exchange rate gains and losses"),
]
# (code, name, class, account type, requires dimensions)
ACCOUNTS = (
    [(code, name, C.BALANCE_SHEET, kind, False) for code, name, kind in _BS]
    + [(code, name, C.INCOME, T.INCOME, True) for code, name in _INCOME]
    + [(code, name, C.EXPENDITURE, T.EXPENDITURE, True) for code, name in _EXPENDITURE]
)

# (kind, code, name, restricted)
DIMENSIONS = (
    [(DimensionKind.DEPARTMENT, code, name, False) for code, name in [
        ("ADMIN", "Administration"), ("TEACH", "Teaching and learning"), ("SEN", "Special educational needs"),
        ("PREM", "Premises"), ("CATER", "Catering"), ("ICT", "ICT"), ("TRADE", "Trading")]]
    + [(DimensionKind.COST_CENTRE, code, name, False) for code, name in [
        ("CEN", "Central services"), ("NUR", "Nursery"), ("PRI", "Primary phase"), ("SEC", "Secondary phase"),
        ("SIX", "Sixth form"), ("SHOP", "Uniform shop")]]
    + [(DimensionKind.FUND, "GAG", "General Annual Grant", True), (DimensionKind.FUND, "PP", "Pupil premium", True),
       (DimensionKind.FUND, "CIF", "Condition Improvement Fund (fixed asset)", True),
       (DimensionKind.FUND, "UNR", "Unrestricted", False)]
    + [(DimensionKind.PROJECT, "ROOF26", "Roof replacement 2026", False),
       (DimensionKind.PROJECT, "TRIP26", "Year 6 residential trip 2026", False)]
)

TAX_AUTHORITY = ("HMRC", "HM Revenue & Customs", "GB")
TAX_BANDS = [
    ("STANDARD", "Standard rated", Decimal("20.00")),
    ("REDUCED", "Reduced rate", Decimal("5.00")),
    ("ZERO", "Zero rated", Decimal("0.00")),
    ("EXEMPT", "Exempt", Decimal("0.00")),
    ("OUTSIDE", "Outside the scope of VAT", Decimal("0.00")),
]
# (code, name, days, from month end, default)
PAYMENT_TERMS = [
    ("IMM", "Immediate", 0, False, False),
    ("14D", "14 days", 14, False, False),
    ("30D", "30 days", 30, False, True),
    ("60D", "60 days", 60, False, False),
    ("EOM30", "30 days after month end", 30, True, False),
]
PAYMENT_METHODS = [("BACS", "BACS"), ("CHQ", "Cheque"), ("DD", "Direct debit"), ("CARD", "Card"), ("FP", "Faster payment")]
# (code, name, kind, prefix)
NUMBER_SERIES = [
    ("CONTACT", "Contact codes", NumberSeries.Kind.NUMBER, "AC"),
    ("SI", "Sales invoices", NumberSeries.Kind.NUMBER, "SI"),
    ("SC", "Sales credit notes", NumberSeries.Kind.NUMBER, "SC"),
    ("PI", "Purchase invoices", NumberSeries.Kind.NUMBER, "PI"),
    ("PC", "Purchase credit notes", NumberSeries.Kind.NUMBER, "PC"),
    ("JN", "Journals", NumberSeries.Kind.NUMBER, "JN"),
    ("IMPORT", "Import batches", NumberSeries.Kind.BATCH, "IMP"),
    ("BANK", "Bank statement batches", NumberSeries.Kind.BATCH, "BNK"),
    ("RUN", "Synchronisation runs", NumberSeries.Kind.BATCH, "RUN"),
]
DOCUMENT_TYPES = [
    ("SISTD", "Sales invoice: Standard", F.SALES_INVOICE, "SI"),
    ("SCSTD", "Sales credit note: Standard", F.SALES_CREDIT, "SC"),
    ("PISTD", "Purchase invoice: Standard", F.PURCHASE_INVOICE, "PI"),
    ("PCSTD", "Purchase credit note: Standard", F.PURCHASE_CREDIT, "PC"),
    ("JNSTD", "Journal: Standard", F.JOURNAL, "JN"),
]


def _missing(model, tenant, rows, key=lambda row: row[0], **filters):
    have = codes_of(model, tenant=tenant, **filters)
    return [row for row in rows if key(row).lower() not in have]


def _legal_entity_rows(tenant, legal_entities):
    rows = legal_entities if legal_entities is not None else LEGAL_ENTITIES_BY_SLUG.get(tenant.slug, DEMO_LEGAL_ENTITIES)
    return [tuple(row) + ("",) * (4 - len(row)) for row in rows]


def seed_ledger(*, tenant, out=print, legal_entities=None):
    """Create the ledger reference data of the demo spec that `tenant` lacks; returns how many rows
    were created. `legal_entities` is a list of (code, name[, company no.[, VAT no.]]); by default
    the four Kestrel entities, or HDA alone for the `harrier` environment."""
    entity_rows = _legal_entity_rows(tenant, legal_entities)
    created = 0
    kw = {"tenant": tenant, "actor": None}
    with scope.activate(tenant), transaction.atomic():
        for code, name, is_base in _missing(Currency, tenant, CURRENCIES):
            s.currency_create(**kw, code=code, name=name, decimals=2, is_base=is_base)
            created += 1
        for code, effective_from, rate in RATES:
            if not ExchangeRate.objects.filter(tenant=tenant, currency__code__iexact=code, effective_from=effective_from).exists():
                s.exchange_rate_create(**kw, currency=code, effective_from=effective_from, rate=rate)
                created += 1
        for code, name in _missing(FinancialYearGroup, tenant, [YEAR_GROUP]):
            s.year_group_create(**kw, code=code, name=name)
            created += 1
        for code, name, company_no, vat_no in _missing(LegalEntity, tenant, entity_rows):
            s.legal_entity_create(**kw, code=code, name=name, base_currency="GBP", year_group=YEAR_GROUP[0],
                                  company_no=company_no, vat_no=vat_no)
            created += 1
        created += _seed_years(tenant, [row[0] for row in entity_rows])
        for code, name, account_class, account_type, dims in _missing(NominalAccount, tenant, ACCOUNTS):
            s.nominal_account_create(**kw, code=code, name=name, account_class=account_class,
                                     account_type=account_type, requires_dimensions=dims)
            created += 1
        for kind in DimensionKind.values:
            rows = [row for row in DIMENSIONS if row[0] == kind]
            for _, code, name, restricted in _missing(Dimension, tenant, rows, key=lambda row: row[1], kind=kind):
                s.dimension_create(**kw, kind=kind, code=code, name=name, restricted=restricted)
                created += 1
        for code, name, country in _missing(TaxAuthority, tenant, [TAX_AUTHORITY]):
            s.tax_authority_create(**kw, code=code, name=name, country_code=country)
            created += 1
        for code, name, rate in _missing(TaxBand, tenant, TAX_BANDS):
            s.tax_band_create(**kw, authority=TAX_AUTHORITY[0], code=code, name=name, rate=rate,
                              sales_account="30300", purchase_account="20300")
            created += 1
        for code, name, days, month_end, default in _missing(PaymentTerm, tenant, PAYMENT_TERMS):
            s.payment_term_create(**kw, code=code, name=name, days=days, from_month_end=month_end, is_default=default)
            created += 1
        for code, name in _missing(PaymentMethod, tenant, PAYMENT_METHODS):
            s.payment_method_create(**kw, code=code, name=name)
            created += 1
        for code, name, kind, prefix in _missing(NumberSeries, tenant, NUMBER_SERIES):
            s.number_series_create(**kw, code=code, name=name, kind=kind, prefix=prefix, digits=6, next_number=1)
            created += 1
        for code, name, family, series in _missing(DocumentType, tenant, DOCUMENT_TYPES):
            s.document_type_create(**kw, code=code, name=name, family=family, series=series)
            created += 1
    if created:
        out(f"  ledger: {created} row(s) created for {tenant.slug}")
    return created


def _seed_years(tenant, entity_codes):
    """Years with their 12 periods, and a status in each period for each seeded legal entity
    (2024/25 closed, later years open); statuses that exist are left as they are."""
    created = 0
    group = FinancialYearGroup.objects.get(tenant=tenant, code__iexact=YEAR_GROUP[0])
    entities = list(LegalEntity.objects.filter(tenant=tenant, code__in=entity_codes, year_group=group))
    for code, start, is_open in YEARS:
        year = FinancialYear.objects.filter(tenant=tenant, group=group, code__iexact=code).first()
        if year is None:
            year = s.financial_year_create(tenant=tenant, actor=None, group=group, code=code, start=start,
                                           legal_entities=entities, is_open=is_open)
            created += 1 + 12 + 12 * len(entities)
            continue
        for entity in entities:
            created += s.period_statuses_ensure(legal_entity=entity, year=year, is_open=is_open, actor=None)
    return created
