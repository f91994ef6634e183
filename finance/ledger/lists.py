"""List pages of the ledger: Documents, Nominal accounts, Archive GL."""

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q
from django.urls import reverse

from finance.dataformats.datasets import DATASETS
from finance.lists import YES_NO, ListPage, register
from finance.tenancy import scope

from .models import (
    AccountClass,
    ArchiveDocument,
    Document,
    DocumentFamily,
    DocumentStatus,
    DocumentType,
    LegalEntity,
    NominalAccount,
)

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}


def _scoped(model):
    return lambda request: model.objects.filter(tenant=request.tenant)


def link(name, kwarg):
    """linkify for a detail page; the slug comes from the active scope (no query per row)."""
    return lambda record: reverse(name, kwargs={"tenant_slug": scope.current().slug, kwarg: record.uuid})


# --- Documents -----------------------------------------------------------------------------------


class DocumentFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    doc_type = filters.ModelChoiceFilter(queryset=_scoped(DocumentType), to_field_name="code", label="Type", empty_label="Any type")
    family = filters.ChoiceFilter(field_name="doc_type__family", choices=DocumentFamily.choices, empty_label="Any family")
    legal_entity = filters.ModelChoiceFilter(queryset=_scoped(LegalEntity), to_field_name="code", empty_label="Any legal entity")
    status = filters.ChoiceFilter(choices=DocumentStatus.choices, empty_label="Any status")
    date_from = filters.DateFilter(field_name="doc_date", lookup_expr="gte", label="Date from")
    date_to = filters.DateFilter(field_name="doc_date", lookup_expr="lte", label="Date to")

    class Meta:
        model = Document
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.form.fields[name].widget.input_type = "date"
        self.form.fields["q"].widget.input_type = "search"

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(doc_no__icontains=value) | Q(doc_ref__icontains=value) | Q(contact__code__icontains=value)
            | Q(contact__account_description__icontains=value) | Q(description__icontains=value)
            | Q(their_doc_no__icontains=value)
        )


class DocumentTable(tables.Table):
    doc_no = tables.Column(verbose_name="Document no.", linkify=link("ledger:document", "document_id"))
    doc_type = tables.Column(accessor="doc_type__code", verbose_name="Type")
    legal_entity = tables.Column(accessor="legal_entity__code", verbose_name="Legal entity")
    doc_ref = tables.Column(verbose_name="Reference")
    contact = tables.Column(accessor="contact__code", verbose_name="Contact", default="")
    contact_name = tables.Column(accessor="contact__account_description", verbose_name="Contact name", default="")
    doc_date = tables.DateColumn(verbose_name="Date", format="d/m/Y")
    due_date = tables.DateColumn(verbose_name="Due", format="d/m/Y", default="")
    currency = tables.Column(accessor="currency__code", verbose_name="Currency")
    total_net = tables.Column(verbose_name="Net", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    total_tax = tables.Column(verbose_name="Tax", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    total_gross = tables.Column(verbose_name="Gross", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}})
    status = tables.Column()
    description = tables.Column(default="")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("-doc_date",)
        always_visible = ("doc_no",)


def _documents(request):
    return Document.objects.filter(tenant=request.tenant).select_related("doc_type", "legal_entity", "contact", "currency")


DOCUMENTS = register(
    ListPage(
        key="documents",
        title="Documents",
        perm="finance.view",
        table_class=DocumentTable,
        filterset_class=DocumentFilter,
        queryset=_documents,
        breadcrumbs=(("Finance", None),),
        dataset=DATASETS["documents"],
        default_columns=("doc_type", "legal_entity", "doc_ref", "contact", "contact_name", "doc_date", "total_gross", "status"),
        help_text="Sales and purchase invoices and credit notes, and journals. Export CSV writes the Document import template's columns.",
        extra={"path": "documents", "url_name": "documents"},
    )
)


# --- Nominal accounts ----------------------------------------------------------------------------


class NominalFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    account_class = filters.ChoiceFilter(choices=AccountClass.choices, label="Class", empty_label="Any class")
    is_active = filters.BooleanFilter(label="Active", widget=YES_NO)

    class Meta:
        model = NominalAccount
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value.strip()) | Q(name__icontains=value.strip()))


class NominalTable(tables.Table):
    code = tables.Column(linkify=link("ledger:nominal", "nominalaccount_id"))
    name = tables.Column()
    account_class = tables.Column(verbose_name="Class")
    account_type = tables.Column(verbose_name="Type")
    requires_dimensions = tables.BooleanColumn(verbose_name="Dimensions required")
    is_active = tables.BooleanColumn(verbose_name="Active")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("code",)
        always_visible = ("code",)


NOMINALS = register(
    ListPage(
        key="nominals",
        title="Nominal accounts",
        perm="finance.view",
        table_class=NominalTable,
        filterset_class=NominalFilter,
        queryset=_scoped(NominalAccount),
        breadcrumbs=(("Finance", None),),
        extra={"path": "nominal-accounts", "url_name": "nominals"},
    )
)


# --- Archive GL ----------------------------------------------------------------------------------


class ArchiveFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    legal_entity = filters.ModelChoiceFilter(queryset=_scoped(LegalEntity), to_field_name="code", empty_label="Any legal entity")
    doc_type = filters.CharFilter(label="Type")
    date_from = filters.DateFilter(field_name="doc_date", lookup_expr="gte", label="Date from")
    date_to = filters.DateFilter(field_name="doc_date", lookup_expr="lte", label="Date to")

    class Meta:
        model = ArchiveDocument
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.form.fields[name].widget.input_type = "date"

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(doc_no__icontains=value) | Q(contact_code__icontains=value) | Q(contact_name__icontains=value) | Q(their_ref__icontains=value))


class ArchiveTable(tables.Table):
    doc_no = tables.Column(verbose_name="Document no.", linkify=link("ledger:archive_document", "archivedocument_id"))
    legal_entity = tables.Column(accessor="legal_entity__code", verbose_name="Legal entity")
    source_app = tables.Column(verbose_name="Source")
    doc_type = tables.Column(verbose_name="Type")
    contact_code = tables.Column(verbose_name="Account", default="")
    contact_name = tables.Column(verbose_name="Name", default="")
    doc_date = tables.DateColumn(verbose_name="Date", format="d/m/Y")
    year = tables.Column()
    period = tables.Column()
    currency_code = tables.Column(verbose_name="Currency")
    net_value = tables.Column(verbose_name="Net", attrs={"td": {"class": "text-end"}})
    vat_value = tables.Column(verbose_name="VAT", attrs={"td": {"class": "text-end"}})
    posted = tables.BooleanColumn()

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("legal_entity", "doc_type", "doc_no")
        always_visible = ("doc_no",)


def _archive(request):
    return ArchiveDocument.objects.filter(tenant=request.tenant).select_related("legal_entity")


class _ArchivePostingsOfDocuments:
    """Archive GL export: the postings of the listed documents, in the report's columns."""

    columns = DATASETS["archive_gl"].columns

    @staticmethod
    def rows(queryset, tenant):
        from .models import ArchivePosting

        postings = ArchivePosting.objects.filter(document__in=queryset.values("pk"))
        return DATASETS["archive_gl"].rows(postings, tenant)


ARCHIVE = register(
    ListPage(
        key="archive",
        title="Archive GL",
        perm="finance.view",
        table_class=ArchiveTable,
        filterset_class=ArchiveFilter,
        queryset=_archive,
        breadcrumbs=(("Finance", None),),
        dataset=_ArchivePostingsOfDocuments,
        help_text="Legacy ledgers kept as they were loaded (Exchequer), with their own chart of accounts.",
        extra={"path": "archive-gl", "url_name": "archive"},
    )
)
