from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "finance.tenancy"
    label = "tenancy"
