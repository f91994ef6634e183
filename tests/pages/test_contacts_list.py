import csv
import io

import pytest

from ..contacts.factories import ContactAccountFactory, NoteFactory

pytestmark = pytest.mark.django_db
URL = "/alpha/contacts/"


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_list_shows_the_environments_contacts_with_their_notes_icon(owner_client, world_a, world_b):
    html = owner_client.get(URL).content.decode()
    assert world_a.contact.account_description in html
    assert 'hx-target="#side-panel-body"' in html and f"/alpha/contacts/{world_a.contact.uuid}/notes/" in html
    assert str(world_b.contact.uuid) not in html


def test_filters_by_role_and_text(owner_client, world_a):
    ContactAccountFactory(tenant=world_a.tenant, code="SUPP-1", is_customer=False, is_supplier=True, account_description="Widget Supplies")
    suppliers = owner_client.get(URL, {"role": "supplier"}).content.decode()
    assert "Widget Supplies" in suppliers
    assert "Widget Supplies" not in owner_client.get(URL, {"q": "nothing-like-it"}).content.decode()


def test_export_writes_the_45_template_columns_of_the_filtered_contacts(owner_client, world_a):
    ContactAccountFactory(tenant=world_a.tenant, code="ZED-1", account_description="Zed", company_name="=Zed Ltd")
    rows = _csv(owner_client.get(URL, {"q": "ZED", "format": "csv"}))
    assert len(rows[0]) == 45 and rows[0][5] == "code"
    assert [r[5] for r in rows[1:]] == ["ZED-1"]
    assert rows[1][rows[0].index("company_name")] == "'=Zed Ltd"


def test_the_list_costs_the_same_queries_for_many_contacts_and_notes(owner_client, world_a, django_assert_max_num_queries):
    for n in range(40):
        contact = ContactAccountFactory(tenant=world_a.tenant, code=f"BULK-{n}")
        NoteFactory(contact=contact)
    with django_assert_max_num_queries(12):
        response = owner_client.get(URL, {"per_page": 100})
    assert response.content.decode().count("BULK-") >= 40


def test_read_only_members_see_no_new_button(viewer_client, owner_client):
    assert "New contact account" not in viewer_client.get(URL).content.decode()
    assert "New contact account" in owner_client.get(URL).content.decode()


def test_the_active_filter_offers_any_yes_and_no(owner_client, world_a):
    ContactAccountFactory(tenant=world_a.tenant, code="OLD-1", is_active=False, account_description="Dormant Ltd")
    html = owner_client.get(URL).content.decode()
    assert '<option value="" selected>Any</option>' in html
    inactive = owner_client.get(URL, {"is_active": "False"}).content.decode()
    assert "Dormant Ltd" in inactive and world_a.contact.account_description not in inactive
