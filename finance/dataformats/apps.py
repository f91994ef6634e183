from django.apps import AppConfig


class DataformatsConfig(AppConfig):
    name = "finance.dataformats"
    label = "dataformats"
