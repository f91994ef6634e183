import sys

from django.core.management.base import BaseCommand, CommandError

from finance.dataformats.csvio import iter_csv
from finance.dataformats.datasets import DATASETS, json_chunks
from finance.tenancy import scope
from finance.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Export an environment's data in the import templates' columns (CSV or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The environment's slug.")
        parser.add_argument("dataset", choices=sorted(DATASETS))
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--output", help="File to write; standard output when omitted.")

    def handle(self, *args, tenant, dataset, format, output=None, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"Unknown environment '{tenant}'", returncode=2)
        spec = DATASETS[dataset]
        with scope.activate(tenant_obj):
            queryset = spec.all()
            chunks = iter_csv(spec.columns, spec.rows(queryset, tenant_obj)) if format == "csv" else json_chunks(spec, queryset, tenant_obj)
            if output:
                try:
                    with open(output, "wb") as handle:
                        for chunk in chunks:
                            handle.write(chunk)
                except OSError as error:
                    raise CommandError(f"Cannot write {output}: {error.strerror}", returncode=2) from None
            else:
                stream = getattr(self.stdout, "_out", sys.stdout)
                binary = getattr(stream, "buffer", None)
                for chunk in chunks:
                    if binary is not None:
                        binary.write(chunk)
                    else:
                        stream.write(chunk.decode("utf-8"))
                stream.flush()
