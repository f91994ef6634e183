from django.core.management.base import BaseCommand, CommandError

from finance.tenancy.models import Tenant
from vault.crypto import VaultError
from vault.services import vault_data_key_rotate


class Command(BaseCommand):
    help = "Give one environment a new Vault data key and re-encrypt its entries with it."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The environment's slug.")

    def handle(self, *args, tenant, **options):
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"No environment with slug {tenant!r}.")
        try:
            count = vault_data_key_rotate(tenant=found)
        except VaultError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"New data key for {found.slug}; {count} entries re-encrypted."))
