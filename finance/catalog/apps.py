from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "finance.catalog"
    label = "catalog"
    verbose_name = "Catalogs and mappings"
