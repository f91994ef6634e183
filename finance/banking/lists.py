"""Bank accounts -> statements -> lines."""

import django_filters as filters
import django_tables2 as tables
from django.db.models import Count, Q
from django.urls import reverse

from finance.dataformats.datasets import DATASETS
from finance.ledger.lists import TABLE_ATTRS, link
from finance.ledger.models import Currency, LegalEntity
from finance.lists import ListPage, register
from finance.tenancy.shortcuts import get_for_tenant

from .models import BankAccount, BankStatement, BankStatementLine

RIGHT = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


def _date_inputs(filterset, *names):
    for name in names:
        filterset.form.fields[name].widget.input_type = "date"


# --- Bank accounts -------------------------------------------------------------------------------


class BankAccountFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    legal_entity = filters.ModelChoiceFilter(
        queryset=lambda request: LegalEntity.objects.filter(tenant=request.tenant), to_field_name="code", empty_label="Any legal entity"
    )
    currency = filters.ModelChoiceFilter(
        queryset=lambda request: Currency.objects.filter(tenant=request.tenant), to_field_name="code", empty_label="Any currency"
    )

    class Meta:
        model = BankAccount
        fields = []

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(code__icontains=v) | Q(name__icontains=v) | Q(bank_name__icontains=v) | Q(account_no__icontains=v) | Q(iban__icontains=v))


class BankAccountTable(tables.Table):
    code = tables.Column(linkify=link("banking:account", "bankaccount_id"))
    name = tables.Column(verbose_name="Description")
    legal_entity = tables.Column(accessor="legal_entity__code", verbose_name="Legal entity")
    bank_name = tables.Column(verbose_name="Bank")
    sort_code = tables.Column(default="")
    account_no = tables.Column(verbose_name="Account no.", default="")
    iban = tables.Column(verbose_name="IBAN", default="")
    currency = tables.Column(accessor="currency__code", verbose_name="Currency")
    nominal_account = tables.Column(accessor="nominal_account__code", verbose_name="GL account")
    statement_interface = tables.Column(accessor="statement_interface__description", verbose_name="Statement interface", default="")
    statements = tables.Column(accessor="statement_count", verbose_name="Statements", attrs=RIGHT)

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("code",)
        always_visible = ("code",)


def _accounts(request):
    return (
        BankAccount.objects.filter(tenant=request.tenant)
        .select_related("legal_entity", "currency", "nominal_account", "statement_interface")
        .annotate(statement_count=Count("statements", filter=Q(statements__voided_at__isnull=True)))
    )


ACCOUNTS = register(
    ListPage(
        key="bank_accounts",
        title="Bank accounts",
        perm="finance.view",
        table_class=BankAccountTable,
        filterset_class=BankAccountFilter,
        queryset=_accounts,
        breadcrumbs=(("Finance", None),),
        default_columns=("name", "legal_entity", "bank_name", "sort_code", "account_no", "currency", "nominal_account", "statement_interface", "statements"),
        extra={"path": "bank-accounts", "url_name": "accounts"},
    )
)


# --- Statements of one bank account (its detail page) -------------------------------------------


class StatementFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="to_date", lookup_expr="gte", label="Ending on or after")
    date_to = filters.DateFilter(field_name="from_date", lookup_expr="lte", label="Starting on or before")
    voided = filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True, label="Voided")

    class Meta:
        model = BankStatement
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _date_inputs(self, "date_from", "date_to")


class StatementTable(tables.Table):
    period = tables.Column(accessor="from_date", verbose_name="Statement", linkify=lambda record: reverse(
        "banking:statement", kwargs={"tenant_slug": record_slug(), "bankaccount_id": record.bank_account.uuid, "bankstatement_id": record.uuid}))
    from_date = tables.DateColumn(format="d/m/Y", verbose_name="From")
    to_date = tables.DateColumn(format="d/m/Y", verbose_name="To")
    line_count = tables.Column(verbose_name="Lines", attrs=RIGHT)
    opening_balance = tables.Column(verbose_name="Opening balance", attrs=RIGHT, default="")
    closing_balance = tables.Column(verbose_name="Closing balance", attrs=RIGHT, default="")
    run_ref = tables.Column(verbose_name="Run", default="")
    created_at = tables.DateTimeColumn(format="d/m/Y H:i", verbose_name="Imported")
    voided_at = tables.DateTimeColumn(format="d/m/Y H:i", verbose_name="Voided", default="")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("-to_date",)
        always_visible = ("period",)

    def render_period(self, record):
        return f"{record.from_date:%d/%m/%Y} – {record.to_date:%d/%m/%Y}"


def record_slug():
    from finance.tenancy import scope

    return scope.current().slug


def _account(request, bankaccount_id):
    return get_for_tenant(BankAccount.objects.select_related("legal_entity", "currency", "nominal_account", "statement_interface"), request.tenant, uuid=bankaccount_id)


def _accounts_crumb(request):
    return ("Bank accounts", reverse("banking:accounts", kwargs={"tenant_slug": request.tenant.slug}))


def _account_context(request, account):
    return {
        "account": account,
        "title": f"Bank account {account.code}",
        "breadcrumbs": (_accounts_crumb(request),),
        "header_template": "banking/_account_header.html",
    }


def _statement_context(request, statement):
    account = statement.bank_account
    account_url = reverse("banking:account", kwargs={"tenant_slug": request.tenant.slug, "bankaccount_id": account.uuid})
    return {
        "statement": statement,
        "title": f"Statement {statement}",
        "breadcrumbs": (_accounts_crumb(request), (account.code, account_url)),
    }


class _StatementLinesOf:
    columns = DATASETS["bank_statements"].columns

    @staticmethod
    def rows(queryset, tenant):
        lines = BankStatementLine.objects.filter(statement__in=queryset.values("pk"))
        return DATASETS["bank_statements"].rows(lines, tenant)


STATEMENTS = register(
    ListPage(
        key="bank_statements",
        title="Statements",
        perm="finance.view",
        table_class=StatementTable,
        filterset_class=StatementFilter,
        queryset=lambda request, bankaccount_id: BankStatement.objects.filter(
            tenant=request.tenant, bank_account=_account(request, bankaccount_id)
        ).select_related("bank_account"),
        dataset=_StatementLinesOf,
        context=lambda request, bankaccount_id: _account_context(request, _account(request, bankaccount_id)),
        help_text="",
        extra={"path": "bank-accounts/<uuid:bankaccount_id>", "url_name": "account"},
    )
)


# --- Lines of one statement ------------------------------------------------------------------------


class LineFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    direction = filters.ChoiceFilter(label="Direction", choices=[("in", "Money in"), ("out", "Money out")], method="by_direction", empty_label="In and out")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="Date from")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="Date to")

    class Meta:
        model = BankStatementLine
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _date_inputs(self, "date_from", "date_to")

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(description__icontains=v) | Q(reference__icontains=v) | Q(cheque_no__icontains=v) | Q(transaction_id__icontains=v))

    def by_direction(self, queryset, name, value):
        return queryset.filter(amount__gt=0) if value == "in" else queryset.filter(amount__lt=0)


class LineTable(tables.Table):
    date = tables.DateColumn(format="d/m/Y")
    value_date = tables.DateColumn(format="d/m/Y", default="")
    description = tables.Column(default="")
    reference = tables.Column(default="")
    type = tables.Column(default="")
    cheque_no = tables.Column(verbose_name="Cheque no.", default="")
    amount = tables.Column(attrs=RIGHT)
    balance = tables.Column(attrs=RIGHT, default="")
    transaction_id = tables.Column(verbose_name="Bank id", default="")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("date", "seq")
        always_visible = ("date", "amount")


def _statement(request, bankaccount_id, bankstatement_id):
    account = _account(request, bankaccount_id)
    return get_for_tenant(BankStatement.objects.filter(bank_account=account).select_related("bank_account"), request.tenant, uuid=bankstatement_id)


LINES = register(
    ListPage(
        key="statement_lines",
        title="Statement lines",
        perm="finance.view",
        table_class=LineTable,
        filterset_class=LineFilter,
        queryset=lambda request, bankaccount_id, bankstatement_id: BankStatementLine.objects.filter(
            tenant=request.tenant, statement=_statement(request, bankaccount_id, bankstatement_id)
        ),
        dataset=DATASETS["bank_statements"],
        context=lambda request, bankaccount_id, bankstatement_id: _statement_context(
            request, _statement(request, bankaccount_id, bankstatement_id)
        ),
        default_columns=("date", "description", "reference", "type", "amount", "balance"),
        extra={"path": "bank-accounts/<uuid:bankaccount_id>/statements/<uuid:bankstatement_id>", "url_name": "statement"},
    )
)
