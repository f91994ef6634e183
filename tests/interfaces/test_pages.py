import pytest
from django.urls import reverse

from finance.tenancy import scope
from interfaces.models import Run, RunMessage

pytestmark = pytest.mark.django_db


def test_the_interfaces_list_shows_each_interfaces_last_run(viewer_client, world_a, world_b):
    html = viewer_client.get("/alpha/interfaces/").content.decode()
    assert "Contact import" in html and "Succeeded" in html
    assert f"/alpha/interfaces/{world_a.interface.uuid}/" in html
    assert str(world_b.interface.uuid) not in html


def test_the_interfaces_list_costs_the_same_queries_for_many_interfaces(owner_client, world_a, django_assert_max_num_queries):
    from ..factories import InterfaceFactory

    for n in range(30):
        interface = InterfaceFactory(tenant=world_a.tenant, description=f"Bulk {n}")
        with scope.disabled():
            Run.objects.create(tenant=world_a.tenant, interface=interface, trigger="command", status="failed", errors=3)
    with django_assert_max_num_queries(12):
        html = owner_client.get("/alpha/interfaces/", {"per_page": 50}).content.decode()
    assert html.count("Bulk ") >= 30 and "Failed" in html


def test_an_interfaces_log_lists_its_runs(owner_client, world_a):
    url = reverse("interfaces:detail", kwargs={"tenant_slug": "alpha", "interface_id": world_a.interface.uuid})
    html = owner_client.get(url).content.decode()
    run = world_a.finance["run"]
    assert "Log" in html and f"/alpha/runs/{run.uuid}/" in html


def test_the_run_page_shows_counts_messages_and_files_and_polls_only_while_active(owner_client, world_a):
    run = world_a.finance["run"]
    with scope.disabled():
        RunMessage.objects.create(tenant=world_a.tenant, run=run, seq=1, severity="error", row=3, column="code", value="x!", message="Invalid code 'x!'")
        world_a.finance["file"].run = run
        world_a.finance["file"].save()
    url = reverse("interfaces:run", kwargs={"tenant_slug": "alpha", "run_id": run.uuid})
    html = owner_client.get(url).content.decode()
    assert "Succeeded" in html and "Invalid code &#x27;x!&#x27;" in html and "alpha-contacts.csv" in html
    assert 'hx-trigger="every 2s"' not in html
    with scope.disabled():
        Run.objects.filter(pk=run.pk).update(status="running", progress_done=3, progress_total=10)
    part = owner_client.get(url, {"part": "status"}, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in part and "<html" not in part and 'value="3"' in part
