"""The general ledger the interfaces post into: entities, calendar, chart, dimensions, tax,
terms, series, documents with lines and balanced GL postings, and the Archive GL."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from finance.tenancy.models import CodedModel, TenantOwned

MONEY = {"max_digits": 18, "decimal_places": 2}
RATE = {"max_digits": 18, "decimal_places": 6}


class Currency(CodedModel):
    decimals = models.PositiveSmallIntegerField(default=2)
    is_base = models.BooleanField(default=False)

    class Meta(CodedModel.Meta):
        verbose_name_plural = "currencies"


class ExchangeRate(TenantOwned):
    """Units of `currency` per 1 unit of the base currency, from `effective_from` on."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="rates")
    effective_from = models.DateField()
    rate = models.DecimalField(**RATE)

    class Meta:
        ordering = ["currency__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "currency", "effective_from"], name="exchangerate_unique_date"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchangerate_positive"),
        ]

    def __str__(self):
        return f"{self.currency.code} {self.rate} from {self.effective_from:%d/%m/%Y}"


class FinancialYearGroup(CodedModel):
    pass


class LegalEntity(CodedModel):
    base_currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    company_no = models.CharField(max_length=50, blank=True)
    vat_no = models.CharField("VAT registration no.", max_length=50, blank=True)
    year_group = models.ForeignKey(FinancialYearGroup, on_delete=models.PROTECT, related_name="legal_entities")

    class Meta(CodedModel.Meta):
        verbose_name_plural = "legal entities"


class FinancialYear(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(FinancialYearGroup, on_delete=models.CASCADE, related_name="years")
    code = models.CharField(max_length=20)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["group__code", "start"]
        constraints = [models.UniqueConstraint(fields=["tenant", "group", "code"], name="financialyear_unique_code")]

    def __str__(self):
        return self.code


class Period(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    year = models.ForeignKey(FinancialYear, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=30)
    start = models.DateField()
    end = models.DateField()

    class Meta:
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["tenant", "year", "number"], name="period_unique_number")]

    def __str__(self):
        return self.code


class PeriodStatus(TenantOwned):
    """Whether a legal entity may post into a period."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="statuses")
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="period_statuses")
    is_open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period", "legal_entity"], name="periodstatus_unique")
        ]


class AccountClass(models.TextChoices):
    BALANCE_SHEET = "BS", "Balance sheet"
    INCOME = "IN", "Income"
    EXPENDITURE = "EX", "Expenditure"


class AccountType(models.TextChoices):
    FIXED_ASSET = "fixed_asset", "Fixed asset"
    CURRENT_ASSET = "current_asset", "Current asset"
    DEBTORS_CONTROL = "debtors_control", "Debtors control"
    CREDITORS_CONTROL = "creditors_control", "Creditors control"
    INPUT_VAT = "input_vat", "Input VAT"
    OUTPUT_VAT = "output_vat", "Output VAT"
    BANK = "bank", "Bank"
    CURRENT_LIABILITY = "current_liability", "Current liability"
    RESERVES = "reserves", "Reserves"
    INCOME = "income", "Income"
    EXPENDITURE = "expenditure", "Expenditure"


CONTROL_TYPES = frozenset(
    {AccountType.DEBTORS_CONTROL, AccountType.CREDITORS_CONTROL, AccountType.INPUT_VAT, AccountType.OUTPUT_VAT}
)


class NominalAccount(CodedModel):
    account_class = models.CharField("class", max_length=2, choices=AccountClass.choices)
    account_type = models.CharField(max_length=20, choices=AccountType.choices)
    requires_dimensions = models.BooleanField(
        default=False, help_text="Department, cost centre and fund are required on lines and postings."
    )
    is_active = models.BooleanField(default=True)

    @property
    def is_profit_and_loss(self):
        return self.account_class != AccountClass.BALANCE_SHEET

    @property
    def is_control(self):
        """Control and VAT accounts: the ledger posts to them itself; only journals may use them."""
        return self.account_type in CONTROL_TYPES


class DimensionKind(models.TextChoices):
    DEPARTMENT = "department", "Department"
    COST_CENTRE = "cost_centre", "Cost centre"
    PROJECT = "project", "Project"
    FUND = "fund", "Fund"


class Dimension(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=DimensionKind.choices)
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=250)
    restricted = models.BooleanField(default=False, help_text="Funds only: a restricted fund.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "tenant", "kind", name="dimension_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class TaxAuthority(CodedModel):
    country_code = models.CharField(max_length=2)

    class Meta(CodedModel.Meta):
        verbose_name_plural = "tax authorities"


class TaxBand(CodedModel):
    authority = models.ForeignKey(TaxAuthority, on_delete=models.PROTECT, related_name="bands")
    rate = models.DecimalField(max_digits=5, decimal_places=2)
    sales_account = models.ForeignKey(NominalAccount, on_delete=models.PROTECT, related_name="+")
    purchase_account = models.ForeignKey(NominalAccount, on_delete=models.PROTECT, related_name="+")


class PaymentTerm(CodedModel):
    days = models.PositiveSmallIntegerField(default=0)
    from_month_end = models.BooleanField(default=False, help_text="Count the days from the end of the document's month.")
    is_default = models.BooleanField(default=False)


class PaymentMethod(CodedModel):
    pass


class NumberSeries(CodedModel):
    """A counter that gives document numbers, contact codes or batch numbers (tenant-wide)."""

    class Kind(models.TextChoices):
        NUMBER = "number", "Number series"
        BATCH = "batch", "Batch series"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NUMBER)
    prefix = models.CharField(max_length=10, blank=True)
    digits = models.PositiveSmallIntegerField(default=6)
    next_number = models.PositiveBigIntegerField(default=1)

    class Meta(CodedModel.Meta):
        verbose_name_plural = "number series"

    def format(self, number):
        return f"{self.prefix}{number:0{self.digits}d}"


class DocumentFamily(models.TextChoices):
    SALES_INVOICE = "sales_invoice", "Sales invoice"
    SALES_CREDIT = "sales_credit", "Sales credit note"
    PURCHASE_INVOICE = "purchase_invoice", "Purchase invoice"
    PURCHASE_CREDIT = "purchase_credit", "Purchase credit note"
    JOURNAL = "journal", "Journal"


SALES_FAMILIES = frozenset({DocumentFamily.SALES_INVOICE, DocumentFamily.SALES_CREDIT})
PURCHASE_FAMILIES = frozenset({DocumentFamily.PURCHASE_INVOICE, DocumentFamily.PURCHASE_CREDIT})


class DocumentType(CodedModel):
    family = models.CharField(max_length=20, choices=DocumentFamily.choices)
    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="document_types")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    POSTED = "posted", "Posted"
    VOID = "void", "Void"


class Document(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="documents")
    doc_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="documents")
    doc_no = models.CharField("document no.", max_length=30)
    doc_ref = models.CharField("import reference", max_length=50)
    contact = models.ForeignKey(
        "contacts.ContactAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    doc_date = models.DateField()
    tax_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    their_doc_no = models.CharField(max_length=50, blank=True)
    their_ref = models.CharField(max_length=50, blank=True)
    description = models.CharField(max_length=250, blank=True)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    currency_rate = models.DecimalField(**RATE, default=1)
    total_net = models.DecimalField(**MONEY, default=0)
    total_tax = models.DecimalField(**MONEY, default=0)
    total_gross = models.DecimalField(**MONEY, default=0)
    status = models.CharField(max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.DRAFT)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    batch_no = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-doc_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "doc_no"], name="document_unique_doc_no"),
            models.UniqueConstraint(
                Lower("doc_ref"), "tenant", "legal_entity", "doc_type", name="document_unique_doc_ref"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-doc_date", "-id"], name="document_tenant_date"),
            models.Index(fields=["tenant", "status"], name="document_tenant_status"),
        ]

    def __str__(self):
        return self.doc_no


class DocumentLine(TenantOwned):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    account = models.ForeignKey(NominalAccount, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=250, blank=True)
    product = models.ForeignKey("products.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("products.UnitOfMeasure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=18, decimal_places=4, default=1)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    net_amount = models.DecimalField(**MONEY)
    tax_band = models.ForeignKey(TaxBand, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tax_amount = models.DecimalField(**MONEY, default=0)
    gross_amount = models.DecimalField(**MONEY, default=0)
    department = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["document", "line_no"]
        constraints = [models.UniqueConstraint(fields=["tenant", "document", "line_no"], name="documentline_unique_no")]


class PostingKind(models.TextChoices):
    LINE = "line", "Line"
    VAT = "vat", "VAT"
    CONTROL = "control", "Control"


class Posting(TenantOwned):
    """One GL posting, signed (positive = debit). A posted document's postings sum to zero."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="postings")
    line = models.ForeignKey(DocumentLine, null=True, blank=True, on_delete=models.CASCADE, related_name="postings")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=PostingKind.choices)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    account = models.ForeignKey(NominalAccount, on_delete=models.PROTECT, related_name="postings")
    contact = models.ForeignKey("contacts.ContactAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=250, blank=True)
    currency = models.ForeignKey(Currency, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField("amount (document currency)", **MONEY)
    base_amount = models.DecimalField("amount (base currency)", **MONEY)
    department = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cost_centre = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "seq"]
        constraints = [models.UniqueConstraint(fields=["tenant", "document", "seq"], name="posting_unique_seq")]
        indexes = [
            models.Index(fields=["tenant", "account", "date"], name="posting_tenant_account_date"),
            models.Index(fields=["tenant", "posted_at"], name="posting_tenant_posted_at"),
        ]


# --- Archive GL: legacy ledgers kept as they were (Exchequer), never mapped to the live chart ----


class ArchiveAccount(TenantOwned):
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    source_app = models.CharField(max_length=20, default="EXCHEQUER")
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=100)
    account_type = models.CharField(max_length=1, blank=True)
    parent_code = models.CharField(max_length=20, blank=True)
    alt_code = models.CharField(max_length=50, blank=True)
    inactive = models.BooleanField(default=False)

    class Meta:
        ordering = ["legal_entity", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "legal_entity", "source_app", "code"], name="archiveaccount_unique")
        ]


class ArchiveContact(TenantOwned):
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    source_app = models.CharField(max_length=20, default="EXCHEQUER")
    rec_type = models.CharField(max_length=2, help_text="CU customer or SU supplier")
    code = models.CharField(max_length=20)
    company = models.CharField(max_length=100)
    data = models.JSONField(default=dict, blank=True, help_text="The other columns, as read.")

    class Meta:
        ordering = ["legal_entity", "code"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "legal_entity", "source_app", "code"], name="archivecontact_unique")
        ]


class ArchiveDocument(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.CASCADE, related_name="+")
    source_app = models.CharField(max_length=20, default="EXCHEQUER")
    run_ref = models.CharField("run", max_length=40, blank=True)
    doc_type = models.CharField(max_length=3)
    doc_no = models.CharField(max_length=20)
    their_ref = models.CharField(max_length=20, blank=True)
    contact_code = models.CharField(max_length=20, blank=True)
    contact_name = models.CharField(max_length=100, blank=True)
    doc_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(help_text="Calendar year")
    period = models.PositiveSmallIntegerField()
    posted = models.BooleanField(default=True)
    currency_code = models.CharField(max_length=3)
    currency_rate = models.DecimalField(**RATE, default=1)
    net_value = models.DecimalField(**MONEY, default=0)
    vat_value = models.DecimalField(**MONEY, default=0)
    operator = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["legal_entity", "doc_type", "doc_no"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "legal_entity", "source_app", "doc_no"], name="archivedocument_unique")
        ]

    def __str__(self):
        return self.doc_no


class ArchivePosting(TenantOwned):
    document = models.ForeignKey(ArchiveDocument, on_delete=models.CASCADE, related_name="postings")
    seq = models.PositiveIntegerField()
    line_no = models.PositiveIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=10, choices=PostingKind.choices)
    account_code = models.CharField(max_length=20)
    account_description = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=100, blank=True)
    cost_centre = models.CharField(max_length=10, blank=True)
    department = models.CharField(max_length=10, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    currency_amount = models.DecimalField(**MONEY)
    base_amount = models.DecimalField(**MONEY)
    vat_code = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["document", "seq"]
        constraints = [models.UniqueConstraint(fields=["tenant", "document", "seq"], name="archiveposting_unique_seq")]
