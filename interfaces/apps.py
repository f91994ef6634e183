from django.apps import AppConfig


class InterfacesConfig(AppConfig):
    name = "interfaces"

    def ready(self):
        from . import kinds

        kinds.load_extra_kinds()
