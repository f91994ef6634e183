"""What the scheduler does when other apps tell it something happened."""

from django.dispatch import receiver

from finance.catalog.signals import feature_disabled
from interfaces.signals import interface_created, run_finished

from . import services


@receiver(run_finished, dispatch_uid="scheduler.run_finished")
def _count_scheduled_run(sender, run, **kwargs):
    services.task_run_finished(run=run)


@receiver(interface_created, dispatch_uid="scheduler.interface_created")
def _deploy_templates(sender, interface, actor=None, **kwargs):
    services.deploy_templates_for_interface(interface=interface, actor=actor)


@receiver(feature_disabled, dispatch_uid="scheduler.feature_disabled")
def _pause_for_feature(sender, tenant, feature, reason="", user=None, **kwargs):
    services.tasks_pause_for_feature(tenant=tenant, feature_key=feature, actor=user, reason=reason)
