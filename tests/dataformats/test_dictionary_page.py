"""The data dictionary page and the template downloads."""

import html

import pytest
from django.urls import reverse

from finance.dataformats.templates import FORMATS, template_csv

pytestmark = pytest.mark.django_db

PAGE = "/alpha/data-dictionary/"


def _template(format_key, slug="alpha"):
    return reverse("dataformats:template", kwargs={"tenant_slug": slug, "format_key": format_key})


def test_the_page_lists_every_column_of_every_format_from_the_same_definitions(viewer_client):
    response = viewer_client.get(PAGE)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    for fmt in FORMATS.values():
        assert f'id="format-{fmt.key}"' in page and fmt.title in page
        assert _template(fmt.key) in page
        for column in fmt.columns:
            assert f"<code>{column.name}</code>" in page
            assert column.description in page


def test_the_columns_are_in_template_order_with_their_kind_in_words(viewer_client):
    page = html.unescape(viewer_client.get(PAGE).content.decode())
    for fmt in FORMATS.values():
        section = page[page.index(f'id="format-{fmt.key}"'):]
        positions = [section.index(f"<code>{c.name}</code>") for c in fmt.columns]
        assert positions == sorted(positions)
    assert "y/n flag" in page and "amount (2 decimals)" in page and "date (in the interface's Date format)" in page


def test_the_sections_come_in_the_order_contacts_notes_documents_bank_statements(viewer_client):
    page = viewer_client.get(PAGE).content.decode()
    titles = ["Contacts", "Notes", "Documents", "Bank statements"]
    assert [f.title for f in FORMATS.values()] == titles
    positions = [page.index(f'id="format-{key}"') for key in FORMATS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("format_key", FORMATS)
def test_a_template_downloads_as_an_attachment_that_is_never_sniffed(viewer_client, format_key):
    response = viewer_client.get(_template(format_key))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{format_key}-template.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == template_csv(format_key)


def test_an_unknown_format_is_404(viewer_client):
    assert viewer_client.get(_template("invoices")).status_code == 404
    assert viewer_client.get("/alpha/data-dictionary/archive_gl/template.csv").status_code == 404


def test_an_outsider_gets_404_for_the_page_and_the_downloads(outsider_client):
    assert outsider_client.get(PAGE).status_code == 404
    for format_key in FORMATS:
        assert outsider_client.get(_template(format_key)).status_code == 404


def test_the_pages_only_answer_reads(owner_client):
    assert owner_client.post(PAGE).status_code == 405
    assert owner_client.post(_template("contacts")).status_code == 405


def test_the_menu_and_quick_launch_offer_the_data_dictionary(viewer_client):
    assert PAGE in viewer_client.get("/alpha/").content.decode()
    response = viewer_client.get("/alpha/quick-launch/", {"q": "data dict"})
    assert response.status_code == 302 and response["Location"] == PAGE
    response = viewer_client.get("/alpha/quick-launch/", {"q": "template"}, headers={"HX-Request": "true"})
    assert "Data dictionary" in response.content.decode()
