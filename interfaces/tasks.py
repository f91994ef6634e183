"""Celery tasks of the run engine. They stay thin: the engine and the services do the work."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from finance.tenancy import scope
from finance.tenancy.models import Tenant
from finance.tenancy.tasks import TenantTask

from . import engine, services

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 30


@shared_task(base=TenantTask, bind=True, name="interfaces.run_execute", acks_late=True, max_retries=2)
def run_execute(self, *, tenant_id, run_id):
    """Execute one queued run; a retryable failure is tried again with backoff, 3 attempts in all."""
    run = engine.run_for_pk(run_id)
    if run is None:
        logger.warning("Run %s of tenant %s does not exist; nothing to do", run_id, tenant_id)
        return
    try:
        engine.execute(run, retry_allowed=self.request.retries < self.max_retries)
    except engine.RetryLater as exc:
        raise self.retry(exc=exc, countdown=RETRY_BACKOFF_SECONDS * 2 ** self.request.retries)


@shared_task(name="interfaces.runs_fan_out", acks_late=True)
def runs_fan_out(*, by_tenant, queue=None):
    """Split a dispatch tick's runs ({tenant id: [run ids]}) into one `runs_enqueue` per environment."""
    from celery import current_app

    route = {"queue": queue} if queue else {}
    with current_app.producer_or_acquire() as producer:
        for tenant_id, run_ids in by_tenant.items():
            runs_enqueue.apply_async(kwargs={"tenant_id": int(tenant_id), "run_ids": run_ids, "queue": queue},
                                     producer=producer, **route)
    return len(by_tenant)


@shared_task(base=TenantTask, name="interfaces.runs_enqueue", acks_late=True)
def runs_enqueue(*, tenant_id, run_ids, queue=None):
    """Send `run_execute` for each of `run_ids` (runs the scheduler queued in bulk), sharing one
    broker connection; runs no longer queued are left alone."""
    from celery import current_app

    from .models import Run, RunStatus

    queued = Run.objects.filter(tenant_id=tenant_id, pk__in=run_ids, status=RunStatus.QUEUED).values_list("pk", flat=True)
    sent = 0
    with current_app.producer_or_acquire() as producer:
        for pk in queued:
            run_execute.apply_async(kwargs={"tenant_id": tenant_id, "run_id": pk}, producer=producer,
                                    **({"queue": queue} if queue else {}))
            sent += 1
    return sent


@shared_task(name="interfaces.runs_reconcile")
def runs_reconcile():
    """Fail running runs of every tenant whose heartbeat expired, and send again queued runs that no
    worker claimed in that time; safe to run at any interval."""
    older_than = timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)
    with scope.disabled():
        failed = services.runs_reconcile_stale(older_than=older_than)
        resent = services.runs_resend_lost(older_than=older_than)
    return len(failed) + len(resent)


@shared_task(name="interfaces.import_files_purge")
def import_files_purge():
    """Nightly: remove each environment's Imports folder files older than its retention. One
    environment's failure is logged and does not stop the others."""
    removed = 0
    for tenant in Tenant.objects.filter(imports_retention_days__gt=0).order_by("pk").iterator():
        try:
            with scope.activate(tenant):
                files, _ = services.import_files_purge(tenant=tenant)
        except Exception:
            logger.exception("Purging the Imports folder of %s failed", tenant.slug)
            continue
        removed += files
    return removed
