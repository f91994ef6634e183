from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "finance.contacts"
    label = "contacts"
