import pytest
from django.urls import reverse

from finance.audit.models import Event
from finance.tenancy import scope
from interfaces.services import import_file_store
from interfaces.views import safe_download_name

pytestmark = pytest.mark.django_db
URL = "/alpha/imports/"


def _download_url(record):
    return reverse("interfaces:file_download", kwargs={"tenant_slug": "alpha", "importfile_id": record.uuid})


def test_the_folder_lists_the_environments_files_with_size_and_hash(viewer_client, world_a, world_b):
    html = viewer_client.get(URL).content.decode()
    record = world_a.finance["file"]
    assert "alpha-contacts.csv" in html and record.sha256[:12] in html and "Contact import" in html
    assert "bravo-contacts.csv" not in html


def test_filters_by_name_and_interface(owner_client, world_a):
    with scope.disabled():
        import_file_store(tenant=world_a.tenant, interface=None, kind="produced", name="report.csv", content=b"x\n1\n", actor=None)
    assert "report.csv" not in owner_client.get(URL, {"q": "contacts"}).content.decode()
    by_interface = owner_client.get(URL, {"interface": world_a.interface.uuid}).content.decode()
    assert "alpha-contacts.csv" in by_interface and "report.csv" not in by_interface
    assert "report.csv" in owner_client.get(URL, {"kind": "produced"}).content.decode()


def test_a_download_is_an_attachment_never_sniffed_and_is_logged(viewer_client, world_a):
    record = world_a.finance["file"]
    response = viewer_client.get(_download_url(record))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="alpha-contacts.csv"'
    assert response["Content-Type"] == "application/octet-stream" and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"code\nACME\n"
    with scope.activate(world_a.tenant):
        assert Event.objects.filter(action="file.downloaded", object_uuid=str(record.uuid)).exists()


def test_names_are_made_safe_for_the_header():
    assert safe_download_name('..\\evil/"quote".csv') == "_quote_.csv"
    assert safe_download_name("") == "file"
    assert safe_download_name("a\r\nSet-Cookie: x.csv") == "a__Set-Cookie_ x.csv"


def test_another_tenants_file_is_404(owner_client, world_b):
    assert owner_client.get(_download_url(world_b.finance["file"])).status_code == 404  # alpha slug, bravo file
