"""The behaviour every list page shares, shown on Bank accounts and Documents."""

import csv
import io

import pytest

from finance.accounts.models import ColumnPreference
from finance.tenancy import scope

from ..factories import BankAccountFactory, DocumentFactory

pytestmark = pytest.mark.django_db
ACCOUNTS = "/alpha/bank-accounts/"


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_column_chooser_is_saved_per_user(owner_client, viewer_client, world_a):
    response = owner_client.post("/alpha/lists/bank_accounts/columns/", {"columns": ["bank_name", "iban"], "next": ACCOUNTS})
    assert response.status_code == 302 and response["Location"] == ACCOUNTS
    mine = owner_client.get(ACCOUNTS).content.decode()
    assert "sort=iban" in mine and "sort=nominal_account" not in mine  # the table's sortable headers
    theirs = viewer_client.get(ACCOUNTS).content.decode()
    assert "sort=nominal_account" in theirs
    owner_client.post("/alpha/lists/bank_accounts/columns/", {"reset": "1", "next": ACCOUNTS})
    with scope.activate(world_a.tenant):
        assert not ColumnPreference.objects.exists()


def test_choosing_no_column_restores_the_defaults_with_a_message(owner_client):
    response = owner_client.post("/alpha/lists/bank_accounts/columns/", {"columns": ["not-a-column"], "next": ACCOUNTS}, follow=True)
    assert "At least one column must stay visible" in response.content.decode()


def test_the_chooser_never_redirects_off_site(owner_client):
    response = owner_client.post("/alpha/lists/bank_accounts/columns/", {"columns": ["iban"], "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_list_is_404(owner_client):
    assert owner_client.post("/alpha/lists/nope/columns/", {"columns": ["x"]}).status_code == 404


def test_sorting_and_pagination(owner_client, world_a):
    for n in range(30):
        BankAccountFactory(legal_entity=world_a.finance["legal_entity"], code=f"ZZ-{n:02d}")
    first = owner_client.get(ACCOUNTS, {"sort": "-code"}).content.decode()
    assert "ZZ-29" in first and "ZZ-00" not in first
    second = owner_client.get(ACCOUNTS, {"sort": "-code", "page": 2}).content.decode()
    assert "ZZ-00" in second
    assert "31 rows" in first


def test_a_junk_sort_or_page_is_not_an_error(owner_client):
    assert owner_client.get(ACCOUNTS, {"sort": "password", "page": "999", "per_page": "7"}).status_code in (200, 404)


def test_export_without_a_template_writes_the_visible_columns_of_the_filtered_rows(owner_client, world_a):
    BankAccountFactory(legal_entity=world_a.finance["legal_entity"], code="KEEP-1", name="=cmd|' /C calc'!A0")
    rows = _csv(owner_client.get(ACCOUNTS, {"q": "KEEP", "format": "csv"}))
    assert rows[0][0] == "Code" and "Description" in rows[0]
    assert len(rows) == 2 and rows[1][0] == "KEEP-1"
    assert rows[1][rows[0].index("Description")].startswith("'=")


def test_documents_export_uses_the_document_import_columns(owner_client, world_a):
    rows = _csv(owner_client.get("/alpha/documents/", {"format": "csv"}))
    assert rows[0][:3] == ["h.doc_ref", "h.doc_type", "h.legal_entity"] and len(rows[0]) == 26


def test_list_pages_cost_the_same_queries_whatever_the_row_count(owner_client, world_a, django_assert_max_num_queries):
    for _ in range(40):
        DocumentFactory(legal_entity=world_a.finance["legal_entity"])
        BankAccountFactory(legal_entity=world_a.finance["legal_entity"])
    for url in ("/alpha/documents/", ACCOUNTS, "/alpha/nominal-accounts/", "/alpha/archive-gl/"):
        with django_assert_max_num_queries(14):
            assert owner_client.get(url, {"per_page": 100}).status_code == 200
