"""Consecutive failures warn the owner, then disable the task; the provider's templates deploy to
every environment with the interface kind, follow the template, and stay out of the
environment's hands; a feature switched off pauses its tasks."""

from datetime import datetime, timedelta, timezone

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from finance.audit.models import Event
from finance.notices.models import Notice
from finance.tenancy import scope
from interfaces import engine
from interfaces.models import Run, RunStatus
from interfaces.services import interface_create
from scheduler import dispatch, services
from scheduler.models import ScheduledTask, TaskTemplate

from ..conftest import client_for
from ..factories import InterfaceFactory
from .conftest import DAILY_2AM

UTC = timezone.utc
T0 = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)


def _failing_task(world, threshold=2):
    interface = InterfaceFactory(tenant=world.tenant, kind="test_sync_failing", description="Failing sync")
    with scope.activate(world.tenant):
        task = services.task_create(tenant=world.tenant, actor=world.owner.user, description="Nightly failing sync",
                                    interface=interface, pattern=DAILY_2AM, action="synchronise", failure_threshold=threshold,
                                    now=T0)
    return task


def _run_due(task, now):
    """One tick at `now`, then the run executed as a worker would."""
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(next_execution=now)
    assert dispatch.tick(now=now, enqueue=False)["started"] == 1
    with scope.disabled():
        run = Run.objects.filter(interface=task.interface).latest("pk")
    with scope.activate(run.tenant):
        engine.execute(run)
        run.refresh_from_db()
    return run


def _reload(task):
    with scope.disabled():
        return ScheduledTask.objects.get(pk=task.pk)


def test_failures_in_a_row_warn_the_owner_then_disable_the_task(world_a):
    task = _failing_task(world_a, threshold=2)
    run = _run_due(task, T0 + timedelta(days=1))
    assert run.status == RunStatus.FAILED
    assert _reload(task).consecutive_failures == 1
    _run_due(task, T0 + timedelta(days=2))
    task = _reload(task)
    assert task.consecutive_failures == 2 and task.enabled
    with scope.activate(world_a.tenant):
        warning = Notice.objects.get(user=world_a.owner.user, title__contains="failed 2 times in a row")
        assert Event.objects.filter(action="scheduler.task.failing", object_uuid=str(task.uuid)).count() == 1
    assert warning.level == "warning" and str(task.uuid) in warning.url
    _run_due(task, T0 + timedelta(days=3))
    _run_due(task, T0 + timedelta(days=4))
    task = _reload(task)
    assert not task.enabled and task.next_execution is None
    assert task.disabled_reason == "Disabled by itself after 4 failed runs in a row."
    with scope.activate(world_a.tenant):
        assert Notice.objects.filter(user=world_a.owner.user, title__contains="disabled itself").count() == 1
        assert Event.objects.filter(action="scheduler.task.disabled", object_uuid=str(task.uuid), severity="error").exists()
    # One click re-enables it, with the count forgotten.
    response = client_for(world_a.owner).post(reverse("scheduler:toggle", kwargs={
        "tenant_slug": world_a.tenant.slug, "scheduledtask_id": task.uuid}), {"enabled": "1"})
    assert response.status_code == 302
    task = _reload(task)
    assert task.enabled and task.consecutive_failures == 0 and task.disabled_reason == ""


def test_a_success_starts_the_count_again(world_a, sync_interface):
    with scope.activate(world_a.tenant):
        task = services.task_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Sync", interface=sync_interface,
                                    pattern=DAILY_2AM, action="synchronise", now=T0)
    with scope.disabled():
        ScheduledTask.objects.filter(pk=task.pk).update(consecutive_failures=3)
    run = _run_due(task, T0 + timedelta(days=1))
    assert run.status == RunStatus.SUCCEEDED
    assert _reload(task).consecutive_failures == 0


def test_turning_a_feature_off_pauses_its_tasks_with_the_reason(world_a, sync_interface):
    capped = InterfaceFactory(tenant=world_a.tenant, kind="test_sync_capped", description="Cin7")
    with scope.activate(world_a.tenant):
        cin7 = services.task_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Hourly Cin7 sync",
                                    interface=capped, pattern={"kind": "hourly", "minute": 15, "tz": "Europe/London"},
                                    action="synchronise", now=T0)
        other = services.task_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Other", interface=sync_interface,
                                     pattern=DAILY_2AM, action="synchronise", now=T0)
        paused = services.tasks_pause_for_feature(tenant=world_a.tenant, feature_key="cin7", actor=world_a.owner.user,
                                                  reason="contract ended")
    assert [t.pk for t in paused] == [cin7.pk]
    cin7, other = _reload(cin7), _reload(other)
    assert not cin7.enabled and cin7.disabled_reason == "Paused: the feature 'Integration Cin7 Core' was turned off (contract ended)."
    assert other.enabled
    with scope.activate(world_a.tenant):
        assert Event.objects.get(action="scheduler.task.paused").object_uuid == str(cin7.uuid)


# --- Deployment ---------------------------------------------------------------------------------


@pytest.fixture
def staff(db):
    user = get_user_model().objects.create_user(email="provider@example.com", password="x" * 20, is_staff=True)
    client = Client()
    client.force_login(user)
    return user, client


def _template_form(**overrides):
    data = {"description": "Nightly housekeeping", "kind": "test_sync", "action": "synchronise", "access_key": "scheduler.view",
            "pattern_kind": "daily", "time": "03:00", "tz": "Europe/London", "execute_until": "", "missed_policy": "run_once",
            "failure_threshold": "5", "deployment": "on"}
    data.update(overrides)
    return data


def _copies(template):
    with scope.disabled():
        return list(ScheduledTask.objects.filter(template=template).select_related("interface").order_by("tenant_id"))


def test_a_deployed_template_reaches_every_environment_with_the_kind(world_a, world_b, staff):
    user, client = staff
    a = InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Sync A")
    b = InterfaceFactory(tenant=world_b.tenant, kind="test_sync", description="Sync B")
    response = client.post(reverse("scheduler_provider:template_new"), _template_form())
    assert response.status_code == 302
    template = TaskTemplate.objects.get()
    copies = _copies(template)
    assert [(c.tenant_id, c.interface_id) for c in copies] == [(world_a.tenant.pk, a.pk), (world_b.tenant.pk, b.pk)]
    assert all(c.description == "Nightly housekeeping" and c.pattern["time"] == "03:00" and c.enabled for c in copies)
    with scope.disabled():
        assert Event.objects.filter(action="scheduler.task.deployed").count() == 2

    # The template changes: every copy follows.
    client.post(reverse("scheduler_provider:template_edit", kwargs={"template_uuid": template.uuid}), _template_form(time="04:15"))
    assert {c.pattern["time"] for c in _copies(template)} == {"04:15"}

    # An environment that gets the interface kind later gets the copy too.
    with scope.activate(world_a.tenant):
        later = interface_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Second sync", kind="test_sync")
    descriptions = sorted(c.description for c in _copies(template) if c.tenant_id == world_a.tenant.pk)
    assert len(descriptions) == 2 and "Nightly housekeeping (Second sync)" in descriptions
    assert any(c.interface_id == later.pk for c in _copies(template))


def test_a_copy_whose_description_is_taken_twice_over_gets_the_next_free_number(world_a, staff):
    """The environment already has tasks named like the template, and like the template with the
    interface's name: the copy still deploys, under a description of its own."""
    user, client = staff
    sync = InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Sync A")
    with scope.activate(world_a.tenant):
        for description in ("Nightly housekeeping", "nightly housekeeping (Sync A)"):
            services.task_create(tenant=world_a.tenant, actor=world_a.owner.user, description=description, interface=sync,
                                 action="synchronise", pattern=DAILY_2AM)
    response = client.post(reverse("scheduler_provider:template_new"), _template_form())
    assert response.status_code == 302
    (copy,) = _copies(TaskTemplate.objects.get())
    assert copy.description == "Nightly housekeeping (Sync A) 2" and copy.enabled
    with scope.activate(world_a.tenant):
        assert {"Nightly housekeeping", "nightly housekeeping (Sync A)", "Nightly housekeeping (Sync A) 2"} <= set(
            ScheduledTask.objects.values_list("description", flat=True))


def test_an_environment_may_disable_its_copy_with_a_reason_but_not_edit_it(world_a, staff, owner_client):
    _, client = staff
    InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Sync A")
    client.post(reverse("scheduler_provider:template_new"), _template_form())
    [copy] = _copies(TaskTemplate.objects.get())
    url = lambda name: reverse(f"scheduler:{name}", kwargs={"tenant_slug": world_a.tenant.slug, "scheduledtask_id": copy.uuid})  # noqa: E731

    listing = owner_client.get(reverse("scheduler:list", kwargs={"tenant_slug": world_a.tenant.slug})).content.decode()
    assert "Deployed copy" in listing
    owner_client.post(url("edit"), {"description": "Mine now", "pattern_kind": "daily", "time": "05:00", "tz": "UTC"})
    assert _reload(copy).description == "Nightly housekeeping"
    with scope.activate(world_a.tenant), pytest.raises(ValidationError):
        services.task_update(task=copy, actor=world_a.owner.user, description="Mine now")
    owner_client.post(url("delete"))
    assert _reload(copy).pk == copy.pk

    owner_client.post(url("toggle"), {"enabled": "0", "reason": ""})
    assert _reload(copy).enabled  # a reason is required
    owner_client.post(url("toggle"), {"enabled": "0", "reason": "We run housekeeping by hand"})
    copy = _reload(copy)
    assert not copy.enabled and copy.disabled_reason == "We run housekeeping by hand"


def test_the_provider_pages_are_for_staff_only(world_a, owner_client):
    for url in (reverse("scheduler_provider:templates"), reverse("scheduler_provider:template_new")):
        assert owner_client.get(url).status_code == 404  # an environment admin is not the provider
        assert owner_client.post(url, _template_form()).status_code == 404
    assert not TaskTemplate.objects.exists()


def test_a_template_with_a_bad_pattern_is_a_form_error(staff):
    _, client = staff
    response = client.post(reverse("scheduler_provider:template_new"), _template_form(pattern_kind="cron", cron="* * *"))
    assert response.status_code == 400
    assert "cron" in response.context["form"].errors
    assert not TaskTemplate.objects.exists()


def test_switching_the_feature_off_in_environment_defaults_pauses_its_tasks(world_a):
    from finance.catalog.models import Feature
    from finance.catalog.services import feature_set_enabled

    capped = InterfaceFactory(tenant=world_a.tenant, kind="test_sync_capped", description="Cin7")
    with scope.activate(world_a.tenant):
        task = services.task_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Hourly Cin7 sync",
                                    interface=capped, pattern={"kind": "hourly", "minute": 15, "tz": "Europe/London"},
                                    action="synchronise", now=T0)
        feature_set_enabled(tenant=world_a.tenant, actor=world_a.owner.user, feature=Feature.objects.get(key="cin7"),
                            enabled=False, reason="Cin7 contract ended")
    task = _reload(task)
    assert not task.enabled and task.next_execution is None
    assert task.disabled_reason == "Paused: the feature 'Integration Cin7 Core' was turned off (Cin7 contract ended)."
    with scope.activate(world_a.tenant):
        event = Event.objects.get(action="scheduler.task.paused")
    assert event.user == world_a.owner.user and "Cin7 contract ended" in event.message


def test_unticking_deployment_withdraws_the_copies_and_ticking_it_again_brings_them_back(world_a, staff):
    _, client = staff
    InterfaceFactory(tenant=world_a.tenant, kind="test_sync", description="Sync A")
    client.post(reverse("scheduler_provider:template_new"), _template_form())
    template = TaskTemplate.objects.get()
    edit = reverse("scheduler_provider:template_edit", kwargs={"template_uuid": template.uuid})
    form = _template_form()
    del form["deployment"]
    client.post(edit, form)
    [copy] = _copies(template)
    assert not copy.enabled and copy.disabled_reason.startswith("Withdrawn by the provider:")
    with scope.disabled():
        assert Event.objects.filter(action="scheduler.task.withdrawn", object_uuid=str(copy.uuid)).exists()
    client.post(edit, _template_form())
    [copy] = _copies(template)
    assert copy.enabled and copy.disabled_reason == "" and copy.next_execution is not None


def test_the_user_menu_leads_staff_to_the_templates_and_no_one_else(world_a, staff, owner_client):
    _, client = staff
    url = reverse("scheduler_provider:templates")
    assert url in client.get(url).content.decode()
    assert url not in owner_client.get(f"/{world_a.tenant.slug}/").content.decode()
