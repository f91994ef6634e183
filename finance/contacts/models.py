"""Contact accounts (customers, suppliers, resources, staff, leads) with their address, contact
person, bank details and notes."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from finance.tenancy.models import CodedModel, TenantOwned


class ContactClassification(CodedModel):
    pass


class ContactGroup(CodedModel):
    pass


class ResourceGroup(CodedModel):
    pass


class NoteCategory(CodedModel):
    is_default = models.BooleanField(default=False)

    class Meta(CodedModel.Meta):
        verbose_name_plural = "note categories"


class ContactType(models.TextChoices):
    COMPANY = "C", "Company"
    PERSON = "P", "Person"


class ContactAccount(TenantOwned):
    # The environment is served by the (tenant, code) and (tenant, description) indexes, so it has
    # none of its own; each optional reference is indexed only where it is set (see Meta).
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=50)
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)
    is_resource = models.BooleanField(default=False)
    is_staff = models.BooleanField("is staff", default=False)
    is_lead = models.BooleanField(default=False)
    account_description = models.CharField(max_length=250)
    contact_type = models.CharField(max_length=1, choices=ContactType.choices, default=ContactType.COMPANY)
    company_name = models.CharField(max_length=150, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    contact_description = models.CharField(max_length=100, blank=True)
    classification = models.ForeignKey(ContactClassification, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    job_title = models.CharField(max_length=50, blank=True)
    legacy_ref = models.CharField(max_length=50, blank=True)
    company_no = models.CharField(max_length=50, blank=True)
    tax_authority = models.ForeignKey("ledger.TaxAuthority", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    tax_no = models.CharField(max_length=50, blank=True)
    country_code = models.CharField(max_length=2, default="GB")
    contact_group = models.ForeignKey(ContactGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    resource_group = models.ForeignKey(ResourceGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer_project = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer_cost_centre = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer_department = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    resource_project = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    resource_cost_centre = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    resource_department = models.ForeignKey("ledger.Dimension", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    pay_term = models.ForeignKey("ledger.PaymentTerm", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    pay_method = models.ForeignKey("ledger.PaymentMethod", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    currency = models.ForeignKey("ledger.Currency", on_delete=models.PROTECT, related_name="+")
    credit_limit = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(Lower("code"), "tenant", name="contactaccount_unique_code")]
        indexes = [
            models.Index(fields=["tenant", "code"], name="contact_tenant_code"),
            models.Index(fields=["tenant", "account_description"], name="contact_tenant_desc"),
            # The references, for the checks before a reference is deleted: only the contacts that
            # name one are indexed (most leave the dimensions and groups blank), so an import of
            # many contacts updates fewer indexes.
            *[models.Index(fields=[name], name=f"contact_{name}", condition=models.Q(**{f"{name}__isnull": False}))
              for name in ("classification", "tax_authority", "contact_group", "resource_group", "customer_project",
                           "customer_cost_centre", "customer_department", "resource_project", "resource_cost_centre",
                           "resource_department", "pay_term", "pay_method")],
        ]

    def __str__(self):
        return f"{self.code} {self.account_description}"

    @property
    def roles(self):
        names = [("is_customer", "Customer"), ("is_supplier", "Supplier"), ("is_resource", "Resource"), ("is_staff", "Staff"), ("is_lead", "Lead")]
        return [label for field, label in names if getattr(self, field)]


class ContactAddress(TenantOwned):
    contact = models.ForeignKey(ContactAccount, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=250, blank=True)
    town = models.CharField(max_length=100, blank=True)
    county = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country_code = models.CharField(max_length=2, default="GB")
    accept_delivery = models.BooleanField(default=True)
    is_primary = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact"], condition=models.Q(is_primary=True), name="contactaddress_one_primary")
        ]


class ContactPerson(TenantOwned):
    contact = models.ForeignKey(ContactAccount, on_delete=models.CASCADE, related_name="people")
    name = models.CharField(max_length=250, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    mobile = models.CharField(max_length=30, blank=True)
    is_primary = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name_plural = "contact people"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact"], condition=models.Q(is_primary=True), name="contactperson_one_primary")
        ]


class ContactBankAccount(TenantOwned):
    contact = models.OneToOneField(ContactAccount, on_delete=models.CASCADE, related_name="bank_account")
    account_name = models.CharField(max_length=100, blank=True)
    sort_code = models.CharField(max_length=8, blank=True)
    account_no = models.CharField(max_length=8, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField("BIC", max_length=11, blank=True)


class Note(TenantOwned):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact = models.ForeignKey(ContactAccount, on_delete=models.CASCADE, related_name="notes")
    note_date = models.DateTimeField()
    subject = models.CharField(max_length=100, blank=True)
    body = models.TextField(max_length=4000)
    category = models.ForeignKey(NoteCategory, on_delete=models.PROTECT, related_name="+")
    author = models.CharField(max_length=150, blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    note_ref = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["contact", "note_date", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("note_ref"), "tenant", "contact", condition=~models.Q(note_ref=""), name="note_unique_ref"
            )
        ]

    def __str__(self):
        return self.subject or self.body[:50]
