"""The Contact accounts list."""

import django_filters as filters
import django_tables2 as tables
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html

from finance.dataformats.datasets import DATASETS
from finance.ledger.lists import TABLE_ATTRS, link
from finance.lists import YES_NO, ListPage, register
from finance.tenancy import scope

from .models import ContactAccount, ContactAddress, ContactClassification, ContactGroup, Note

ROLES = [("customer", "Customer"), ("supplier", "Supplier"), ("resource", "Resource"), ("staff", "Staff"), ("lead", "Lead")]


class ContactFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    role = filters.ChoiceFilter(label="Role", choices=ROLES, method="by_role", empty_label="Any role")
    classification = filters.ModelChoiceFilter(
        queryset=lambda request: ContactClassification.objects.filter(tenant=request.tenant), to_field_name="code", empty_label="Any classification"
    )
    contact_group = filters.ModelChoiceFilter(
        queryset=lambda request: ContactGroup.objects.filter(tenant=request.tenant), to_field_name="code", label="Group", empty_label="Any group"
    )
    is_active = filters.BooleanFilter(label="Active", widget=YES_NO)

    class Meta:
        model = ContactAccount
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.input_type = "search"

    def search(self, queryset, name, value):
        v = value.strip()
        if not v:
            return queryset
        return queryset.filter(
            Q(code__icontains=v) | Q(account_description__icontains=v) | Q(company_name__icontains=v) | Q(tax_no__icontains=v)
        )

    def by_role(self, queryset, name, value):
        return queryset.filter(**{f"is_{value}": True})


def _notes_url(record):
    return reverse("contacts:notes", kwargs={"tenant_slug": scope.current().slug, "contactaccount_id": record.uuid})


class ContactTable(tables.Table):
    code = tables.Column(linkify=link("contacts:detail", "contactaccount_id"))
    account_description = tables.Column(verbose_name="Description")
    notes = tables.Column(accessor="note_count", verbose_name="Notes", orderable=False)
    roles = tables.Column(accessor="code", verbose_name="Roles", orderable=False)
    contact_type = tables.Column(verbose_name="Type")
    classification = tables.Column(accessor="classification__code", verbose_name="Classification", default="")
    contact_group = tables.Column(accessor="contact_group__code", verbose_name="Group", default="")
    tax_no = tables.Column(verbose_name="Tax no.", default="")
    company_no = tables.Column(verbose_name="Company no.", default="")
    country_code = tables.Column(verbose_name="Country")
    currency = tables.Column(accessor="currency__code", verbose_name="Currency")
    pay_term = tables.Column(accessor="pay_term__code", verbose_name="Payment term", default="")
    town = tables.Column(accessor="code", verbose_name="Town", orderable=False)
    postcode = tables.Column(accessor="code", verbose_name="Postcode", orderable=False)
    credit_limit = tables.Column(attrs={"td": {"class": "text-end"}}, default="")
    is_active = tables.BooleanColumn(verbose_name="Active")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("code",)
        always_visible = ("code",)

    def render_roles(self, record):
        return ", ".join(record.roles)

    def render_notes(self, record, value):
        url = _notes_url(record)
        label = f"{value} note{'s' if value != 1 else ''} of {record.code}"
        return format_html(
            '<a class="notes-link" href="{}" hx-get="{}" hx-target="#side-panel-body" data-bs-toggle="offcanvas" '
            'data-bs-target="#side-panel" aria-label="{}"><i class="bi bi-sticky{}" aria-hidden="true"></i> {}</a>',
            url, url, label, "-fill" if value else "", value,
        )

    @staticmethod
    def _address(record):
        addresses = record.primary_addresses
        return addresses[0] if addresses else None

    def render_town(self, record):
        address = self._address(record)
        return address.town if address else "—"

    def render_postcode(self, record):
        address = self._address(record)
        return address.postcode if address else "—"


def _contacts(request):
    notes = Note.objects.filter(contact=OuterRef("pk")).order_by().values("contact").annotate(n=Count("pk")).values("n")
    return (
        ContactAccount.objects.filter(tenant=request.tenant)
        .select_related("classification", "contact_group", "currency", "pay_term")
        .annotate(note_count=Coalesce(Subquery(notes, output_field=IntegerField()), 0))
        .prefetch_related(
            Prefetch("addresses", queryset=ContactAddress.objects.filter(is_primary=True), to_attr="primary_addresses")
        )
    )


def _actions(request):
    if request.membership.has_perm("finance.edit"):
        return [("New contact account", reverse("contacts:create", kwargs={"tenant_slug": request.tenant.slug}))]
    return []


CONTACTS = register(
    ListPage(
        key="contacts",
        title="Contact accounts",
        perm="finance.view",
        table_class=ContactTable,
        filterset_class=ContactFilter,
        queryset=_contacts,
        breadcrumbs=(("Finance", None),),
        dataset=DATASETS["contacts"],
        actions=_actions,
        default_columns=("account_description", "notes", "roles", "classification", "contact_group", "tax_no", "town", "postcode", "is_active"),
        help_text="Customers, suppliers, resources, staff and leads. Export CSV writes the Contact import template's columns.",
        extra={"path": "contacts", "url_name": "list"},
    )
)
