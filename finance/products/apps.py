from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "finance.products"
    label = "products"
