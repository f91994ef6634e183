"""Scheduler: scheduled tasks, execution patterns and the dispatch tick."""
from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"

    def ready(self):
        from . import receivers  # noqa: F401 - connects the signal receivers
