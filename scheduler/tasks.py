"""The Celery task that django-celery-beat fires every minute: one dispatch tick."""

from celery import shared_task

from . import dispatch


@shared_task(name="scheduler.tick", ignore_result=True)
def scheduler_tick():
    """Start every due scheduled task once (see scheduler.dispatch)."""
    return dispatch.tick()
