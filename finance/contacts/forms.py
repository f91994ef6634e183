"""Forms for contact accounts and notes. Every choice of reference data is a queryset of the
request's tenant, so another tenant's id is a form error; the services do the real checks."""

from django import forms
from django.utils import timezone

from finance.forms import StyledFormMixin
from finance.ledger.models import Currency, Dimension, DimensionKind, PaymentMethod, PaymentTerm, TaxAuthority

from .countries import COUNTRY_CHOICES
from .models import ContactClassification, ContactGroup, ContactType, NoteCategory, ResourceGroup

ROLES = ("is_customer", "is_supplier", "is_resource", "is_staff", "is_lead")

SECTIONS = (
    ("Account", ("code", "contact_type", "company_name", "first_name", "last_name", "account_description",
                 "contact_description", "job_title", "legacy_ref", "company_no", "contact_classification",
                 "contact_group", "resource_group", "is_active")),
    ("Tax and terms", ("country_code", "tax_authority", "tax_no", "currency", "pay_term", "pay_method", "credit_limit")),
    ("Default dimensions", ("customer_project", "customer_cost_centre", "customer_department", "resource_project",
                            "resource_cost_centre", "resource_department")),
    ("Address", ("address_address", "address_town", "address_county", "address_postcode", "address_country_code",
                 "address_accept_delivery_flag")),
    ("Contact person", ("contact_name", "contact_email", "contact_phone", "contact_mobile")),
    ("Bank details", ("bank_account_name", "bank_sort_code", "bank_account_no", "bank_iban", "bank_bic")),
)


def _text(label, max_length, **kwargs):
    return forms.CharField(label=label, max_length=max_length, required=False, **kwargs)


def add_service_errors(form, error):
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class ContactAccountForm(StyledFormMixin, forms.Form):
    """Create or edit a contact account. Blank fields take the service's defaults."""

    is_customer = forms.BooleanField(label="Customer", required=False)
    is_supplier = forms.BooleanField(label="Supplier", required=False)
    is_resource = forms.BooleanField(label="Resource", required=False)
    is_staff = forms.BooleanField(label="Staff", required=False)
    is_lead = forms.BooleanField(label="Lead", required=False)
    code = _text("Code", 50, help_text="Leave blank to take the next number of the CONTACT series.")
    contact_type = forms.ChoiceField(label="Contact type", choices=ContactType.choices, initial=ContactType.COMPANY)
    company_name = _text("Company name", 150, help_text="Required for a company.")
    first_name = _text("First name", 150, help_text="Required for a person.")
    last_name = _text("Last name", 150, help_text="Required for a person.")
    account_description = _text("Account description", 250, help_text="Blank: the company name, or first and last name.")
    contact_description = _text("Contact description", 100, help_text="Blank: the account description.")
    job_title = _text("Job title", 50)
    legacy_ref = _text("Legacy reference", 50)
    company_no = _text("Company number", 50)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
    country_code = forms.ChoiceField(label="Country", choices=COUNTRY_CHOICES, initial="GB")
    tax_no = _text("Tax number", 50, help_text="A UK VAT number is stored as GB followed by the digits.")
    credit_limit = forms.DecimalField(label="Credit limit", required=False, max_digits=18, decimal_places=2,
                                      help_text="Blank: no limit.")
    address_address = _text("Address", 250, widget=forms.Textarea(attrs={"rows": 2}))
    address_town = _text("Town", 100)
    address_county = _text("County", 100)
    address_postcode = _text("Postcode", 20)
    address_country_code = forms.ChoiceField(label="Address country", required=False,
                                             choices=[("", "Same as the account")] + COUNTRY_CHOICES)
    address_accept_delivery_flag = forms.BooleanField(label="Accepts deliveries", required=False, initial=True)
    contact_name = _text("Name", 250)
    contact_email = _text("E-mail address", 254, widget=forms.EmailInput)
    contact_phone = _text("Phone", 30, widget=forms.TextInput(attrs={"type": "tel"}))
    contact_mobile = _text("Mobile", 30, widget=forms.TextInput(attrs={"type": "tel"}))
    bank_account_name = _text("Name on the account", 100)
    bank_sort_code = _text("Sort code", 8, help_text="Give sort code and account number together.")
    bank_account_no = _text("Account number", 8)
    bank_iban = _text("IBAN", 42)
    bank_bic = _text("BIC", 11)

    def __init__(self, *args, tenant, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        references = {
            "contact_classification": ("Classification", ContactClassification.objects.all(), None),
            "contact_group": ("Contact group", ContactGroup.objects.all(), None),
            "resource_group": ("Resource group", ResourceGroup.objects.all(), None),
            "tax_authority": ("Tax authority", TaxAuthority.objects.all(), "Blank: HMRC for a GB tax number"),
            "currency": ("Currency", Currency.objects.all(), "Blank: the base currency"),
            "pay_term": ("Payment term", PaymentTerm.objects.all(), None),
            "pay_method": ("Payment method", PaymentMethod.objects.all(), None),
        }
        for role in ("customer", "resource"):
            for kind in (DimensionKind.PROJECT, DimensionKind.COST_CENTRE, DimensionKind.DEPARTMENT):
                queryset = Dimension.objects.filter(kind=kind, is_active=True)
                references[f"{role}_{kind.value}"] = (f"{role.title()} {kind.label.lower()}", queryset, None)
        for name, (label, queryset, help_text) in references.items():
            self.fields[name] = forms.ModelChoiceField(
                label=label,
                queryset=queryset.filter(tenant=tenant),
                to_field_name="uuid",
                required=False,
                empty_label="(none)" if help_text is None else f"({help_text})",
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        if editing:
            del self.fields["code"]
        else:
            del self.fields["is_active"]

    def roles(self):
        return [self[name] for name in ROLES]

    def sections(self):
        return [(title, [self[name] for name in names if name in self.fields]) for title, names in SECTIONS]


def _local_now():
    return timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)


class NoteForm(StyledFormMixin, forms.Form):
    note_date = forms.DateTimeField(
        label="Date and time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    subject = _text("Subject", 100)
    body = forms.CharField(label="Note", max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))
    author = _text("Author", 150)
    follow_up_date = forms.DateField(label="Follow up on", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note_ref = _text("Reference", 50, help_text="An external reference, unique on this contact account.")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"] = forms.ModelChoiceField(
            label="Category",
            queryset=NoteCategory.objects.filter(tenant=tenant),
            to_field_name="uuid",
            required=False,
            empty_label="(the default category)",
            widget=forms.Select(attrs={"class": "form-select"}),
        )
        self.order_fields(["note_date", "category", "subject", "body", "author", "follow_up_date", "note_ref"])
        if not self.is_bound and "note_date" not in self.initial:
            self.initial["note_date"] = _local_now()
