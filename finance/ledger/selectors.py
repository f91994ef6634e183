"""Reads of the ledger: periods, rates, due dates, control accounts. Each takes the tenant (or an
object that belongs to one) and never looks outside it."""

import calendar
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower

from .models import AccountType, Currency, ExchangeRate, NominalAccount, PaymentTerm, Period, PeriodStatus
from .money import fmt_date


def _month_end(day):
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_for_date(*, legal_entity, on_date):
    """The period of the legal entity's financial year group that contains `on_date`, or None."""
    return (
        Period.objects.filter(
            tenant_id=legal_entity.tenant_id, year__group_id=legal_entity.year_group_id, start__lte=on_date, end__gte=on_date
        )
        .select_related("year")
        .first()
    )


def period_is_open(*, legal_entity, period):
    """Whether the legal entity may post into the period; a period with no status row is closed."""
    return PeriodStatus.objects.filter(
        tenant_id=legal_entity.tenant_id, legal_entity=legal_entity, period=period, is_open=True
    ).exists()


def open_period_error(*, legal_entity, on_date):
    """The user-facing reason `on_date` cannot be used by the legal entity, or None when it can."""
    period = period_for_date(legal_entity=legal_entity, on_date=on_date)
    return period_problem(legal_entity=legal_entity, on_date=on_date, period=period,
                          is_open=period is not None and period_is_open(legal_entity=legal_entity, period=period))


def period_problem(*, legal_entity, on_date, period, is_open):
    """The message of `open_period_error` for a period (or None) already looked up."""
    if period is None:
        return f"No open financial period for {fmt_date(on_date)} in legal entity {legal_entity.code}"
    if not is_open:
        return f"Date {fmt_date(on_date)} is in period {period.code}, which is closed for {legal_entity.code}"
    return None


def open_period_for(*, legal_entity, on_date):
    """The open period containing `on_date`; ValidationError({"doc_date": ...}) when there is none."""
    error = open_period_error(legal_entity=legal_entity, on_date=on_date)
    if error:
        raise ValidationError({"doc_date": ValidationError(error, code="D07")})
    return period_for_date(legal_entity=legal_entity, on_date=on_date)


def base_currency(*, tenant):
    return Currency.objects.filter(tenant=tenant, is_base=True).first()


def rate_for(*, tenant, currency, on_date):
    """Units of `currency` per 1 unit of the base currency on `on_date`: the latest rate effective on
    or before that date. The base currency is always 1. `currency` is a Currency or its code."""
    if isinstance(currency, str):
        code = currency.strip()
        currency = Currency.objects.filter(tenant=tenant, code__iexact=code).first()
        if currency is None:
            raise ValidationError({"currency": ValidationError(f"Currency '{code}' does not exist", code="E07")})
    elif currency.tenant_id != tenant.pk:
        raise ValidationError({"currency": ValidationError(f"Currency '{currency.code}' does not exist", code="E07")})
    if currency.is_base:
        return Decimal("1")
    rate = (
        ExchangeRate.objects.filter(tenant=tenant, currency=currency, effective_from__lte=on_date)
        .order_by("-effective_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise no_rate_error(currency, on_date)
    return rate


def no_rate_error(currency, on_date):
    return ValidationError(
        {"currency_rate": ValidationError(f"No exchange rate for {currency.code} on {fmt_date(on_date)}", code="D13")}
    )


def due_date_for(*, term, doc_date):
    """The due date under a payment term: `days` after the document date, or after the last day of
    the document date's month when the term counts from month end (EOM30)."""
    start = _month_end(doc_date) if term.from_month_end else doc_date
    return start + timedelta(days=term.days)


def default_payment_term(*, tenant):
    return PaymentTerm.objects.filter(tenant=tenant, is_default=True).order_by("code").first()


def control_account(*, tenant, account_type):
    """The debtors or creditors control account (the first by code if a chart has several)."""
    return NominalAccount.objects.filter(tenant=tenant, account_type=account_type).order_by("code").first()


CONTROL_ACCOUNT_LABELS = {
    AccountType.DEBTORS_CONTROL: "debtors control",
    AccountType.CREDITORS_CONTROL: "creditors control",
}


def codes_of(model, *, tenant, **filters):
    """The lower-cased codes of `model` that exist in the tenant (what an idempotent seed skips)."""
    return set(model.objects.filter(tenant=tenant, **filters).values_list(Lower("code"), flat=True))
