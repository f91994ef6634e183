from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "finance.notices"
    label = "notices"
