from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "finance.ledger"
    label = "ledger"
