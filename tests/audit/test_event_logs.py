import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from finance.audit.models import AppendOnlyError, Event
from finance.audit.services import event_record
from finance.tenancy import scope

pytestmark = pytest.mark.django_db
URL = "/alpha/events/"


@pytest.fixture
def events(world_a, world_b):
    with scope.activate(world_a.tenant):
        old = event_record(tenant=world_a.tenant, action="contact.created", message="Created ACME", user=world_a.owner.user)
        Event.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=10))
        event_record(tenant=world_a.tenant, action="run.failed", message="Import failed on row 3", severity="error",
                     interface=world_a.interface)
        event_record(tenant=world_a.tenant, action="user.role_changed", message="viewer is now accountant", user=world_a.owner.user)
    with scope.activate(world_b.tenant):
        event_record(tenant=world_b.tenant, action="contact.created", message="Bravo secret contact")


def test_members_with_events_view_see_the_environments_events_only(viewer_client, events):
    html = viewer_client.get(URL).content.decode()
    assert "Import failed on row 3" in html and "Created ACME" in html
    assert "Bravo secret contact" not in html


def test_filters_by_severity_text_user_and_date(owner_client, world_a, events):
    assert "Import failed" in owner_client.get(URL, {"severity": "error"}).content.decode()
    assert "Created ACME" not in owner_client.get(URL, {"severity": "error"}).content.decode()
    by_text = owner_client.get(URL, {"q": "ROLE_CHANGED"}).content.decode()
    assert "viewer is now accountant" in by_text and "Import failed" not in by_text
    by_user = owner_client.get(URL, {"user": world_a.owner.user.uuid}).content.decode()
    assert "Created ACME" in by_user and "Import failed" not in by_user
    by_interface = owner_client.get(URL, {"interface": world_a.interface.uuid}).content.decode()
    assert "Import failed" in by_interface and "Created ACME" not in by_interface
    today = timezone.localdate().isoformat()
    recent = owner_client.get(URL, {"date_from": today}).content.decode()
    assert "Created ACME" not in recent and "Import failed" in recent


def test_a_bad_filter_value_is_a_message_not_an_error(owner_client, events):
    response = owner_client.get(URL, {"date_from": "31/02/2026", "severity": "catastrophic"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid date" in html and "Select a valid choice" in html


def test_another_environments_user_is_not_a_valid_filter(owner_client, world_b, events):
    response = owner_client.get(URL, {"user": world_b.owner.user.uuid})
    assert response.status_code == 400


def test_pages_have_a_constant_number_of_queries(owner_client, world_a, django_assert_max_num_queries):
    with scope.activate(world_a.tenant):
        for n in range(60):
            event_record(tenant=world_a.tenant, action="bulk.test", message=f"event {n}")
    with django_assert_max_num_queries(12):
        response = owner_client.get(URL, {"per_page": 50})
    assert response.content.decode().count("bulk.test") == 50


def test_htmx_filtering_returns_only_the_results(owner_client, events):
    response = owner_client.get(URL, {"severity": "error"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "Import failed" in html


def test_export_csv_writes_the_filtered_view(owner_client, events):
    response = owner_client.get(URL, {"severity": "error", "format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["When", "User", "Severity"]
    assert len(rows) == 2 and "Import failed on row 3" in rows[1]


def test_users_without_event_access_get_403(world_a):
    from finance.tenancy.models import Membership

    from ..conftest import client_for
    from ..factories import MembershipFactory

    integration = MembershipFactory(tenant=world_a.tenant, role="integration")
    assert client_for(integration).get(URL).status_code == 403
    assert Membership  # imported for the factory's model


def test_the_event_log_is_append_only(world_a):
    with scope.activate(world_a.tenant):
        event = event_record(tenant=world_a.tenant, action="x.y", message="m")
        event.message = "changed"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()


def test_an_event_shows_its_before_and_after_data(owner_client, world_a):
    from django.urls import reverse

    with scope.activate(world_a.tenant):
        event = event_record(tenant=world_a.tenant, action="user.role_changed", message="role changed",
                             before={"role": "readonly"}, after={"role": "accountant"}, interface=world_a.interface)
    html = owner_client.get(reverse("audit:event", kwargs={"tenant_slug": "alpha", "event_id": event.uuid})).content.decode()
    assert '&quot;role&quot;: &quot;readonly&quot;' in html and '&quot;role&quot;: &quot;accountant&quot;' in html
    assert world_a.interface.description in html
