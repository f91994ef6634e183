from django.core.management.base import BaseCommand, CommandError

from vault.crypto import VaultError
from vault.services import vault_kek_rotate


class Command(BaseCommand):
    help = (
        "Rewrap every environment's Vault data key with the newest key of VAULT_KEKS (the first). "
        "Secrets are not re-encrypted. Afterwards the older keys can be dropped from VAULT_KEKS."
    )

    def handle(self, *args, **options):
        try:
            count = vault_kek_rotate()
        except VaultError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Rewrapped {count} data key(s) with the newest key-encryption key."))
