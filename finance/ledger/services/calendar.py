"""The financial calendar: year groups, years with their twelve monthly periods, and whether each
legal entity may post into each period."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError

from finance.audit.services import event_record

from ..models import FinancialYear, FinancialYearGroup, LegalEntity, Period, PeriodStatus
from ..money import fmt_date
from ._common import Errors, check_code, coded_create, ledger_service, resolve

PERIODS_PER_YEAR = 12


def _add_months(day, months):
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def period_code(year_code, number):
    """'2025/26' and 7 -> '2025/26 P07'."""
    return f"{year_code} P{number:02d}"


@ledger_service
def year_group_create(*, tenant, actor=None, code, name):
    """A financial year group: legal entities in one group share their years and periods."""
    return coded_create(
        FinancialYearGroup, tenant=tenant, actor=actor, code=code, name=name, thing="Financial year group",
        action="year_group.created",
    )


@ledger_service
def financial_year_create(*, tenant, actor=None, group, code, start, end=None, legal_entities=None, is_open=True):
    """A financial year of twelve monthly periods from `start` (the first of a month), with a period
    status, open or closed, for each of `legal_entities` (default: every legal entity of the group)."""
    errors = Errors()
    group = resolve(FinancialYearGroup, tenant, group, "Financial year group", key="group", errors=errors, required=True)
    code = (code or "").strip()
    check_code(errors, code)
    if not isinstance(start, date) or start.day != 1:
        errors.add("start", "A financial year starts on the first day of a month")
    else:
        last = _add_months(start, PERIODS_PER_YEAR) - timedelta(days=1)
        if end is not None and end != last:
            errors.add("end", f"A financial year has 12 monthly periods, so it ends on {fmt_date(last)}")
        end = last
    entities = []
    if group is not None:
        years = FinancialYear.objects.filter(tenant=tenant, group=group)
        if code and years.filter(code__iexact=code).exists():
            errors.add("code", f"Financial year '{code}' already exists in {group.code}", code="E08")
        if "start" not in errors:
            clash = years.filter(start__lte=end, end__gte=start).first()
            if clash is not None:
                errors.add("start", f"The year overlaps financial year {clash.code} ({fmt_date(clash.start)} to {fmt_date(clash.end)})")
        if legal_entities is None:
            entities = list(LegalEntity.objects.filter(tenant=tenant, year_group=group))
        else:
            for value in legal_entities:
                entity = resolve(LegalEntity, tenant, value, "Legal entity", key="legal_entities", errors=errors)
                if entity is not None and entity.year_group_id != group.pk:
                    errors.add("legal_entities", f"Legal entity {entity.code} does not use financial year group {group.code}")
                entities.append(entity)
    errors.raise_if_any()
    year = FinancialYear(tenant=tenant, group=group, code=code, start=start, end=end)
    year.full_clean(exclude=["tenant"])
    year.save()
    periods = [
        Period(
            tenant=tenant, year=year, number=n, code=period_code(code, n),
            start=_add_months(start, n - 1), end=_add_months(start, n) - timedelta(days=1),
        )
        for n in range(1, PERIODS_PER_YEAR + 1)
    ]
    Period.objects.bulk_create(periods)
    PeriodStatus.objects.bulk_create(
        PeriodStatus(tenant=tenant, period=period, legal_entity=entity, is_open=is_open)
        for entity in entities
        for period in periods
    )
    state = "open" if is_open else "closed"
    names = ", ".join(e.code for e in entities) or "no legal entity yet"
    event_record(
        tenant=tenant, user=actor, action="financial_year.created", obj=year,
        message=f"Financial year {code} ({fmt_date(start)} to {fmt_date(end)}) created with 12 periods, {state} for {names}.",
        after={"group": group.code, "code": code, "start": start.isoformat(), "end": end.isoformat(),
               "periods": PERIODS_PER_YEAR, "legal_entities": [e.code for e in entities], "is_open": is_open},
    )
    return year


@ledger_service
def period_statuses_ensure(*, legal_entity, year, is_open, actor=None):
    """Give the legal entity a status in every period of `year` it has none for; existing statuses
    stay as they are. Returns how many were created."""
    tenant = legal_entity.tenant
    if year.tenant_id != tenant.pk or year.group_id != legal_entity.year_group_id:
        raise ValidationError({"year": f"Financial year {year.code} does not belong to {legal_entity.code}'s year group"})
    have = set(PeriodStatus.objects.filter(tenant=tenant, legal_entity=legal_entity, period__year=year).values_list("period_id", flat=True))
    missing = [p for p in Period.objects.filter(tenant=tenant, year=year) if p.pk not in have]
    if not missing:
        return 0
    PeriodStatus.objects.bulk_create(
        PeriodStatus(tenant=tenant, period=p, legal_entity=legal_entity, is_open=is_open) for p in missing
    )
    state = "open" if is_open else "closed"
    event_record(
        tenant=tenant, user=actor, action="period_status.created", obj=legal_entity,
        message=f"{len(missing)} period(s) of {year.code} set up {state} for {legal_entity.code}.",
        after={"year": year.code, "legal_entity": legal_entity.code, "periods": len(missing), "is_open": is_open},
    )
    return len(missing)


@ledger_service
def period_set_status(*, legal_entity, period, is_open, actor):
    """Open or close one period for one legal entity. `period` is a Period or its code."""
    tenant = legal_entity.tenant
    errors = Errors()
    if isinstance(period, str):
        code = period.strip()
        period = Period.objects.filter(tenant=tenant, year__group_id=legal_entity.year_group_id, code__iexact=code).first()
        if period is None:
            errors.add("period", f"Period '{code}' does not exist", code="E07")
    elif period.tenant_id != tenant.pk or period.year.group_id != legal_entity.year_group_id:
        errors.add("period", f"Period '{period.code}' does not exist", code="E07")
    errors.raise_if_any()
    status = PeriodStatus.objects.filter(tenant=tenant, legal_entity=legal_entity, period=period).first()
    was_open = status.is_open if status is not None else False
    if status is not None and was_open == bool(is_open):
        return status
    if status is None:
        status = PeriodStatus(tenant=tenant, legal_entity=legal_entity, period=period)
    status.is_open = bool(is_open)
    status.save()
    state = "opened" if is_open else "closed"
    event_record(
        tenant=tenant, user=actor, action=f"period.{state}", obj=period,
        message=f"Period {period.code} {state} for {legal_entity.code}.",
        before={"period": period.code, "legal_entity": legal_entity.code, "is_open": was_open},
        after={"period": period.code, "legal_entity": legal_entity.code, "is_open": bool(is_open)},
    )
    return status
