from django.apps import AppConfig


class BankingConfig(AppConfig):
    name = "finance.banking"
    label = "banking"
