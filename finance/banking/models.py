"""Bank accounts, their statements and statement lines."""

import uuid

from django.conf import settings
from django.db import models

from finance.tenancy.models import CodedModel, Tenant, TenantOwned

MONEY = {"max_digits": 18, "decimal_places": 2}


class BankAccount(CodedModel):
    legal_entity = models.ForeignKey("ledger.LegalEntity", on_delete=models.PROTECT, related_name="bank_accounts")
    bank_name = models.CharField(max_length=100)
    sort_code = models.CharField(max_length=8, blank=True)
    account_no = models.CharField(max_length=8, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT, related_name="+")
    nominal_account = models.ForeignKey("ledger.NominalAccount", on_delete=models.PROTECT, related_name="+")
    statement_interface = models.ForeignKey(
        "interfaces.Interface", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(CodedModel.Meta):
        indexes = [models.Index(fields=["tenant", "sort_code", "account_no"], name="bankaccount_sort_acc")]


class BankStatement(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    run_ref = models.CharField("run", max_length=40, blank=True)
    from_date = models.DateField()
    to_date = models.DateField()
    line_count = models.PositiveIntegerField(default=0)
    opening_balance = models.DecimalField(**MONEY, null=True, blank=True)
    closing_balance = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["bank_account", "-to_date", "-id"]

    def __str__(self):
        return f"{self.bank_account.code} {self.from_date:%d/%m/%Y}–{self.to_date:%d/%m/%Y}"


class BankStatementLine(TenantOwned):
    # No index of their own for the tenant and the account: stmtline_account_date starts with both,
    # and an import's lookups by day must have no other index to choose (a scan of all the
    # account's lines instead of one day's).
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines", db_index=False)
    seq = models.PositiveBigIntegerField(help_text="Stored order within the account.")
    date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY, help_text="Positive = money in.")
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=35, blank=True)
    cheque_no = models.CharField(max_length=20, blank=True)
    transaction_id = models.CharField(max_length=100, blank=True)
    balance = models.DecimalField(**MONEY, null=True, blank=True)
    dedupe_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["bank_account", "date", "seq"]
        indexes = [
            models.Index(fields=["tenant", "bank_account", "date", "seq"], name="stmtline_account_date"),
            # Bank transaction ids (`id:` keys), looked up by key. Fingerprinted lines (`fp:` keys,
            # most of them) are not in it: a fingerprint covers the line's date, so an import finds
            # them among the account's lines of that day (stmtline_account_date) and writing a line
            # touches no index of random keys. The key comes first and an import writes the
            # account's columns as filters, so that no other index can serve the lookup
            # (interfaces.kinds.bank.common.ID_LOOKUP_SQL).
            models.Index(fields=["dedupe_key", "tenant", "bank_account"], name="stmtline_id_key",
                         condition=models.Q(dedupe_key__startswith="id:")),
        ]
