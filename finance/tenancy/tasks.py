"""Celery tasks that act on one environment take `tenant_id` and run inside its scope."""

import logging

from celery import Task, shared_task
from django.db import transaction

from finance.audit.services import event_record

from . import scope
from .models import Tenant

logger = logging.getLogger(__name__)


class TenantTask(Task):
    """Activates the scope of the tenant named by the `tenant_id` keyword argument."""

    def __call__(self, *args, **kwargs):
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise scope.ScopeError(f"Task {self.name} needs a tenant_id keyword argument")
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            # The environment was deleted after the message was sent (or the message outlived its
            # database): nothing to do, and nothing to retry.
            logger.warning("Task %s for environment %s skipped: the environment no longer exists", self.name, tenant_id)
            return None
        with scope.activate(tenant):
            return super().__call__(*args, **kwargs)


@shared_task(base=TenantTask, bind=True, name="tenancy.worker_check")
def worker_check(self, *, tenant_id, requested_by=None, token=""):
    """Proves a worker is consuming the queue: records an Event log row in the tenant."""
    with transaction.atomic():
        event_record(
            tenant=scope.current(),
            user_id=requested_by,
            action="worker.checked",
            message=f"Background worker answered ({self.request.hostname or 'eager'}).",
            after={"token": token},
        )
