"""Reference data: currencies and rates, legal entities, the chart, dimensions, tax, payment terms
and methods. Each create function checks its input, saves one row and writes one Event."""

from finance.audit.services import event_record

from ..models import (
    AccountClass,
    AccountType,
    Currency,
    Dimension,
    DimensionKind,
    ExchangeRate,
    FinancialYearGroup,
    LegalEntity,
    NominalAccount,
    PaymentMethod,
    PaymentTerm,
    TaxAuthority,
    TaxBand,
)
from ..money import fmt_date, to_decimal
from ._common import Errors, check_code, coded_create, jsonable, ledger_service, resolve


def _number(errors, key, value, places, *, positive=False):
    try:
        number = to_decimal(value, places=places)
    except ValueError as error:
        errors.add(key, str(error), code="E23")
        return None
    if positive and number <= 0:
        errors.add(key, f"{key.capitalize()} must be greater than zero")
        return None
    return number


@ledger_service
def currency_create(*, tenant, actor=None, code, name, decimals=2, is_base=False):
    """A currency; at most one per tenant is the base currency (rates are per 1 unit of it)."""
    errors = Errors()
    if is_base and Currency.objects.filter(tenant=tenant, is_base=True).exists():
        errors.add("is_base", "This environment already has a base currency")
    return coded_create(
        Currency, tenant=tenant, actor=actor, code=code, name=name, thing="Currency", action="currency.created",
        extra_errors=errors, snapshot=("decimals", "is_base"), decimals=decimals, is_base=is_base,
    )


@ledger_service
def exchange_rate_create(*, tenant, actor=None, currency, effective_from, rate):
    """Units of `currency` per 1 unit of the base currency from `effective_from` on."""
    errors = Errors()
    currency = resolve(Currency, tenant, currency, "Currency", errors=errors, required=True)
    rate = _number(errors, "rate", rate, 6, positive=True)
    if currency is not None and currency.is_base:
        errors.add("currency", f"{currency.code} is the base currency; its rate is always 1")
    elif currency is not None and ExchangeRate.objects.filter(tenant=tenant, currency=currency, effective_from=effective_from).exists():
        errors.add("effective_from", f"{currency.code} already has a rate from {fmt_date(effective_from)}")
    errors.raise_if_any()
    obj = ExchangeRate(tenant=tenant, currency=currency, effective_from=effective_from, rate=rate)
    obj.full_clean(exclude=["tenant"])
    obj.save()
    after = {"currency": currency.code, "effective_from": jsonable(effective_from), "rate": jsonable(rate)}
    event_record(
        tenant=tenant, user=actor, action="exchange_rate.created", obj=obj,
        message=f"Exchange rate {currency.code} {rate} from {fmt_date(effective_from)} created.", after=after,
    )
    return obj


@ledger_service
def legal_entity_create(*, tenant, actor=None, code, name, base_currency, year_group, company_no="", vat_no=""):
    errors = Errors()
    base_currency = resolve(Currency, tenant, base_currency, "Currency", key="base_currency", errors=errors, required=True)
    year_group = resolve(
        FinancialYearGroup, tenant, year_group, "Financial year group", key="year_group", errors=errors, required=True
    )
    return coded_create(
        LegalEntity, tenant=tenant, actor=actor, code=code, name=name, thing="Legal entity", action="legal_entity.created",
        extra_errors=errors, snapshot=("base_currency", "year_group", "company_no", "vat_no"),
        base_currency=base_currency, year_group=year_group, company_no=company_no.strip(), vat_no=vat_no.strip(),
    )


@ledger_service
def nominal_account_create(*, tenant, actor=None, code, name, account_class, account_type, requires_dimensions=False):
    """An account of the chart. `requires_dimensions`: department, cost centre and fund on every line."""
    errors = Errors()
    if account_class not in AccountClass.values:
        errors.add("account_class", f"Invalid value '{account_class}' for class: expected one of {', '.join(AccountClass.values)}", code="E09")
    if account_type not in AccountType.values:
        errors.add("account_type", f"Invalid value '{account_type}' for account type: expected one of {', '.join(AccountType.values)}", code="E09")
    return coded_create(
        NominalAccount, tenant=tenant, actor=actor, code=code, name=name, thing="Account", action="nominal_account.created",
        extra_errors=errors, snapshot=("account_class", "account_type", "requires_dimensions"),
        account_class=account_class, account_type=account_type, requires_dimensions=requires_dimensions,
    )


@ledger_service
def dimension_create(*, tenant, actor=None, kind, code, name, restricted=False):
    """A department, cost centre, project or fund; codes are unique per kind. Only funds are restricted."""
    errors = Errors()
    code = (code or "").strip()
    name = (name or "").strip()
    check_code(errors, code)
    if kind not in DimensionKind.values:
        errors.add("kind", f"Invalid value '{kind}' for kind: expected one of {', '.join(DimensionKind.values)}", code="E09")
    else:
        label = DimensionKind(kind).label
        if restricted and kind != DimensionKind.FUND:
            errors.add("restricted", "Only funds can be restricted")
        if code and Dimension.objects.filter(tenant=tenant, kind=kind, code__iexact=code).exists():
            errors.add("code", f"{label} '{code}' already exists", code="E08")
    if not name:
        errors.add("name", "Name is required", code="E06")
    errors.raise_if_any()
    obj = Dimension(tenant=tenant, kind=kind, code=code, name=name, restricted=restricted)
    obj.full_clean(exclude=["tenant"])
    obj.save()
    event_record(
        tenant=tenant, user=actor, action="dimension.created", obj=obj, message=f"{label} {code} created.",
        after={"kind": kind, "code": code, "name": name, "restricted": restricted},
    )
    return obj


@ledger_service
def tax_authority_create(*, tenant, actor=None, code, name, country_code):
    errors = Errors()
    country_code = (country_code or "").strip().upper()
    if len(country_code) != 2 or not country_code.isalpha():
        errors.add("country_code", f"Invalid value '{country_code}' for country_code: use a two-letter ISO code", code="E09")
    return coded_create(
        TaxAuthority, tenant=tenant, actor=actor, code=code, name=name, thing="Tax authority",
        action="tax_authority.created", extra_errors=errors, snapshot=("country_code",), country_code=country_code,
    )


@ledger_service
def tax_band_create(*, tenant, actor=None, authority, code, name, rate, sales_account, purchase_account):
    """A VAT rate; sales VAT posts to `sales_account` (output VAT), purchase VAT to `purchase_account` (input VAT)."""
    errors = Errors()
    authority = resolve(TaxAuthority, tenant, authority, "Tax authority", key="authority", errors=errors, required=True)
    rate = _number(errors, "rate", rate, 2)
    if rate is not None and not 0 <= rate < 100:
        errors.add("rate", "Rate must be between 0 and 100")
    sales = resolve(NominalAccount, tenant, sales_account, "Account", key="sales_account", errors=errors, required=True)
    purchase = resolve(NominalAccount, tenant, purchase_account, "Account", key="purchase_account", errors=errors, required=True)
    if sales is not None and sales.account_type != AccountType.OUTPUT_VAT:
        errors.add("sales_account", f"Account {sales.code} is not an output VAT account")
    if purchase is not None and purchase.account_type != AccountType.INPUT_VAT:
        errors.add("purchase_account", f"Account {purchase.code} is not an input VAT account")
    return coded_create(
        TaxBand, tenant=tenant, actor=actor, code=code, name=name, thing="Tax band", action="tax_band.created",
        extra_errors=errors, snapshot=("authority", "rate", "sales_account", "purchase_account"),
        authority=authority, rate=rate, sales_account=sales, purchase_account=purchase,
    )


@ledger_service
def payment_term_create(*, tenant, actor=None, code, name, days=0, from_month_end=False, is_default=False):
    """A payment term; at most one is the tenant default (used when a contact has none)."""
    errors = Errors()
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3650:
        errors.add("days", "Days must be a whole number from 0 to 3650")
    if is_default and PaymentTerm.objects.filter(tenant=tenant, is_default=True).exists():
        errors.add("is_default", "This environment already has a default payment term")
    return coded_create(
        PaymentTerm, tenant=tenant, actor=actor, code=code, name=name, thing="Payment term", action="payment_term.created",
        extra_errors=errors, snapshot=("days", "from_month_end", "is_default"),
        days=days, from_month_end=from_month_end, is_default=is_default,
    )


@ledger_service
def payment_method_create(*, tenant, actor=None, code, name):
    return coded_create(
        PaymentMethod, tenant=tenant, actor=actor, code=code, name=name, thing="Payment method",
        action="payment_method.created",
    )

