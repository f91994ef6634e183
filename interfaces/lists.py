"""The Imports folder: every file of the environment (inputs, produced files, attachments)."""

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from finance.ledger.lists import TABLE_ATTRS
from finance.lists import ListPage, register
from finance.tenancy import scope

from .models import ImportFile, ImportFileKind, Interface


class ImportFileFilter(filters.FilterSet):
    q = filters.CharFilter(label="File name", method="search")
    interface = filters.ModelChoiceFilter(
        queryset=lambda request: Interface.objects.filter(tenant=request.tenant), to_field_name="uuid", empty_label="Any interface"
    )
    kind = filters.ChoiceFilter(choices=ImportFileKind.choices, empty_label="Any kind")
    date_from = filters.DateFilter(field_name="created_at__date", lookup_expr="gte", label="From")
    date_to = filters.DateFilter(field_name="created_at__date", lookup_expr="lte", label="To")

    class Meta:
        model = ImportFile
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.form.fields[name].widget.input_type = "date"

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(original_name__icontains=v) | Q(sha256__istartswith=v.lower())) if v else queryset


class ImportFileTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="Date", format="j M Y H:i", attrs={"td": {"class": "text-nowrap"}})
    original_name = tables.Column(verbose_name="File")
    kind = tables.Column()
    interface = tables.Column(accessor="interface__description", verbose_name="Interface", default="")
    run = tables.Column(accessor="run__uuid", verbose_name="Run", default="")
    size = tables.Column(attrs={"td": {"class": "text-end text-nowrap"}})
    sha256 = tables.Column(verbose_name="SHA-256", orderable=False)
    created_by = tables.Column(accessor="created_by__email", verbose_name="By", default="system")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("-created_at",)
        always_visible = ("created_at", "original_name")

    def render_original_name(self, record, value):
        url = reverse("interfaces:file_download", kwargs={"tenant_slug": scope.current().slug, "importfile_id": record.uuid})
        return format_html('<a href="{}" download><i class="bi bi-download" aria-hidden="true"></i> {}</a>', url, value)

    def render_run(self, value):
        return str(value)[:8]

    def render_size(self, value):
        return filesizeformat(value)

    def render_sha256(self, value):
        return format_html('<code title="{}">{}…</code>', value, value[:12])


def _files(request):
    return ImportFile.objects.filter(tenant=request.tenant).select_related("interface", "run", "created_by")


FILES = register(
    ListPage(
        key="import_files",
        title="Imports folder",
        perm="interfaces.view",
        table_class=ImportFileTable,
        filterset_class=ImportFileFilter,
        queryset=_files,
        breadcrumbs=(("Settings", None), ("Data Upload", None)),
        help_text="Every file that an interface read or produced in this environment. Downloads are never opened in the browser.",
        extra={"path": "imports", "url_name": "files"},
    )
)
