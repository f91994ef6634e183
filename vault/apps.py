from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "vault"

    def ready(self):
        from . import checks  # noqa: F401 - registers the start-up check of VAULT_KEKS
