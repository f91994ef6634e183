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
