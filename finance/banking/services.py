"""Bank accounts (statements and their lines are written by the statement interfaces)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.audit.services import event_record
from finance.contacts import validators

from .models import BankAccount


def _checked(field, validator, value):
    """The normalised value, or the shared validator's message on `field` (same as the imports)."""
    if not (value or "").strip():
        return ""
    try:
        return validator(value)
    except ValueError as error:
        raise ValidationError({field: str(error)}) from None


@transaction.atomic
def bank_account_create(*, tenant, actor, code, name, legal_entity, bank_name, currency, nominal_account,
                        sort_code="", account_no="", iban="", bic="", statement_interface=None):
    """Create a bank account; it needs a sort code and account number, or an IBAN."""
    if BankAccount.objects.filter(tenant=tenant, code__iexact=code).exists():
        raise ValidationError({"code": f"Bank account '{code}' already exists."})
    sort_code = _checked("sort_code", validators.sort_code, sort_code)
    account_no = _checked("account_no", validators.account_no, account_no)
    iban = _checked("iban", validators.iban, iban)
    bic = _checked("bic", validators.bic, bic)
    if bool(sort_code) != bool(account_no):
        raise ValidationError({"sort_code": "Give both the sort code and the account number, or neither."})
    if not (sort_code or iban):
        raise ValidationError({"sort_code": "Give a sort code and account number, or an IBAN."})
    if nominal_account.account_type != "bank":
        raise ValidationError({"nominal_account": f"GL account {nominal_account.code} is not a bank account."})
    for field, obj in {"legal_entity": legal_entity, "currency": currency, "nominal_account": nominal_account,
                       "statement_interface": statement_interface}.items():
        if obj is not None and obj.tenant_id != tenant.pk:
            raise ValidationError({field: "Choose a value of this environment."})
    account = BankAccount(
        tenant=tenant, code=code, name=name, legal_entity=legal_entity, bank_name=bank_name, sort_code=sort_code,
        account_no=account_no, iban=iban, bic=bic, currency=currency,
        nominal_account=nominal_account, statement_interface=statement_interface,
    )
    account.full_clean(exclude=["tenant"])
    account.save()
    event_record(tenant=tenant, user=actor, action="bank_account.created", obj=account,
                 message=f"Bank account {code} created ({bank_name} {sort_code} {account_no}{iban}).".replace("  ", " "))
    return account


# --- Undoing a statement import ---------------------------------------------------------------------

class StatementUndoError(Exception):
    """A void or restore that cannot be done; the message is one line for the user."""


def _statements_of_run(tenant, run_ref):
    from .models import BankStatement

    return list(BankStatement.objects.select_for_update().filter(tenant=tenant, run_ref=str(run_ref))
                .select_related("bank_account").order_by("id"))


@transaction.atomic
def statements_void(*, tenant, run_ref, actor, interface=None):
    """Void the statements a run imported: their lines leave the account (lists, balances and
    duplicate checks ignore them) until restored. Returns the statements."""
    from django.utils import timezone

    statements = [s for s in _statements_of_run(tenant, run_ref) if s.voided_at is None]
    if not statements:
        raise StatementUndoError("This run has no imported statement lines to void.")
    now = timezone.now()
    lines = 0
    for statement in statements:
        statement.voided_at = now
        statement.save(update_fields=["voided_at"])
        lines += statement.line_count
    accounts = ", ".join(sorted({s.bank_account.code for s in statements}))
    event_record(
        tenant=tenant, user=actor, action="bank_statements.voided", interface=interface, run_ref=str(run_ref),
        severity="warning", message=f"Statement import of run {str(run_ref)[:8]} voided: {lines} lines left {accounts}.",
        after={"statements": [str(s.uuid) for s in statements], "lines": lines},
    )
    return statements


@transaction.atomic
def statements_restore(*, tenant, run_ref, actor, interface=None, within_days=None):
    """Bring back the voided statements of a run, within the restore window, unless some of their
    lines have been imported again since (restoring would then duplicate them)."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import BankStatementLine

    days = settings.STATEMENT_RESTORE_DAYS if within_days is None else within_days
    statements = [s for s in _statements_of_run(tenant, run_ref) if s.voided_at is not None]
    if not statements:
        raise StatementUndoError("This run has no voided statement to restore.")
    if any(s.voided_at < timezone.now() - timedelta(days=days) for s in statements):
        raise StatementUndoError(f"Voided statements can be restored for {days} days; this one was voided earlier.")
    for statement in statements:
        keys = BankStatementLine.objects.filter(statement=statement).values("dedupe_key")
        clash = BankStatementLine.objects.filter(
            tenant=tenant, bank_account=statement.bank_account, statement__voided_at__isnull=True, dedupe_key__in=keys,
        ).exclude(statement=statement).count()
        if clash:
            raise StatementUndoError(
                f"{clash} line{'s' if clash != 1 else ''} of this import {'have' if clash != 1 else 'has'} been imported "
                f"again into {statement.bank_account.code} since it was voided; restoring would duplicate them.")
    lines = 0
    for statement in statements:
        statement.voided_at = None
        statement.save(update_fields=["voided_at"])
        lines += statement.line_count
    event_record(
        tenant=tenant, user=actor, action="bank_statements.restored", interface=interface, run_ref=str(run_ref),
        message=f"Statement import of run {str(run_ref)[:8]} restored: {lines} lines are back.",
        after={"statements": [str(s.uuid) for s in statements], "lines": lines},
    )
    return statements
