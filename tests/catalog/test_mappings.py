import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.audit.models import Event
from finance.catalog.models import Mapping, MappingType
from finance.catalog.selectors import mapping_lookup, normalise
from finance.catalog.services import mapping_types_ensure
from finance.tenancy import scope

from ..conftest import client_for
from ..factories import TenantFactory


def _url(world, name, **kwargs):
    return reverse(f"catalog:{name}", kwargs={"tenant_slug": world.tenant.slug, **kwargs})


@pytest.fixture
def country(world_a):
    return world_a.finance["mapping_type"]


def _rows(mapping_type):
    with scope.disabled():
        return dict(Mapping.objects.filter(type=mapping_type).values_list("source_value", "destination_code"))


def test_ensure_creates_the_cin7_types_prefilled_and_is_idempotent(db):
    tenant = TenantFactory(slug="gamma")
    assert mapping_types_ensure(tenant) == 7
    assert mapping_types_ensure(tenant) == 0
    with scope.disabled():
        names = set(MappingType.objects.filter(tenant=tenant).values_list("name", flat=True))
    assert names == {"Payment Terms", "Product Category", "Tax Rule", "Auto Tax Band Tax Rules", "Tax Authority",
                     "Country", "Unit of Measure"}
    countries = mapping_lookup(tenant, "Cin7", "country")
    assert countries[normalise("United Kingdom")] == "GB" and countries["netherlands"] == "NL"


def test_lookup_is_per_environment(world_a, world_b):
    with scope.disabled():
        Mapping.objects.filter(tenant=world_b.tenant).update(destination_code="IE")
    assert mapping_lookup(world_a.tenant, "cin7", "country") == {"united kingdom": "GB"}
    assert mapping_lookup(world_b.tenant, "Cin7", "country") == {"united kingdom": "IE"}
    assert mapping_lookup(world_a.tenant, "Cin7", "nothing") == {}


def test_mappings_page_groups_by_system_and_filters(world_a, owner_client):
    response = owner_client.get(_url(world_a, "mappings"))
    assert response.status_code == 200 and b"Cin7" in response.content and b"Country" in response.content
    response = owner_client.get(_url(world_a, "mappings"), {"q": "payment"})
    assert b"Country</a>" not in response.content


def test_add_and_a_code_that_does_not_exist_is_a_form_error(world_a, owner_client, country):
    url = _url(world_a, "mapping_add", mappingtype_id=country.uuid)
    response = owner_client.post(url, {"source_value": "Narnia", "destination_code": "XX"})
    assert response.status_code == 400
    assert b"&#x27;XX&#x27; is not a country (iso 3166) code in this environment." in response.content
    assert "Narnia" not in _rows(country)
    response = owner_client.post(url, {"source_value": "Netherlands", "destination_code": "nl"})
    assert response.status_code == 302
    assert _rows(country)["Netherlands"] == "NL"
    response = owner_client.post(url, {"source_value": " united  kingdom ", "destination_code": "GB"})
    assert response.status_code == 400 and b"already mapped" in response.content
    with scope.activate(world_a.tenant):
        event = Event.objects.get(action="mapping.added")
    assert event.before is None and event.after == {"source_value": "Netherlands", "destination_code": "NL"}


def test_add_with_htmx_returns_the_form_and_the_new_row(world_a, owner_client, country):
    response = owner_client.post(_url(world_a, "mapping_add", mappingtype_id=country.uuid),
                                 {"source_value": "France", "destination_code": "FR"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'hx-swap-oob="beforeend:#mapping-rows-body"' in response.content and b"France" in response.content
    assert b"<html" not in response.content


def test_inline_edit_swaps_the_row_to_a_form_and_back(world_a, owner_client, country):
    mapping = world_a.finance["mapping"]
    htmx = {"HX-Request": "true"}
    url = _url(world_a, "mapping_edit", mapping_id=mapping.uuid)
    form = owner_client.get(url, headers=htmx)
    assert form.status_code == 200
    assert form.content.decode().lstrip().startswith(f'<tr id="mapping-{mapping.uuid}"')
    assert b'name="destination_code"' in form.content and b"<script" not in form.content and b"style=" not in form.content
    bad = owner_client.post(url, {"source_value": "United Kingdom", "destination_code": "ZZ"}, headers=htmx)
    assert bad.status_code == 400 and b"&#x27;ZZ&#x27; is not a country" in bad.content
    assert _rows(country) == {"United Kingdom": "GB"}
    saved = owner_client.post(url, {"source_value": "United Kingdom", "destination_code": "ie"}, headers=htmx)
    assert saved.status_code == 200
    assert b'name="destination_code"' not in saved.content and b"<code>IE</code>" in saved.content
    assert _rows(country) == {"United Kingdom": "IE"}
    with scope.activate(world_a.tenant):
        event = Event.objects.get(action="mapping.changed")
    assert event.before == {"source_value": "United Kingdom", "destination_code": "GB"}
    assert event.after == {"source_value": "United Kingdom", "destination_code": "IE"}
    cancel = owner_client.get(_url(world_a, "mapping_row", mapping_id=mapping.uuid), headers=htmx)
    assert cancel.status_code == 200 and b"<code>IE</code>" in cancel.content


def test_delete_is_logged(world_a, owner_client, country):
    mapping = world_a.finance["mapping"]
    response = owner_client.post(_url(world_a, "mapping_delete", mapping_id=mapping.uuid), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""
    assert _rows(country) == {}
    with scope.activate(world_a.tenant):
        assert Event.objects.get(action="mapping.deleted").before == {"source_value": "United Kingdom", "destination_code": "GB"}


def _upload(text, name="rows.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_csv_export_import_round_trip(world_a, owner_client, country):
    owner_client.post(_url(world_a, "mapping_add", mappingtype_id=country.uuid), {"source_value": "Côte d'Ivoire", "destination_code": "CI"})
    exported = owner_client.get(_url(world_a, "mapping_export", mappingtype_id=country.uuid))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    body = exported.content.decode()
    assert body.splitlines()[0] == "source_value,destination_code"
    before = _rows(country)
    with scope.disabled():
        Mapping.objects.filter(type=country).delete()
    response = owner_client.post(_url(world_a, "mapping_import", mappingtype_id=country.uuid), {"file": _upload(body)})
    assert response.status_code == 302
    assert _rows(country) == before
    # Importing the same file again changes nothing; a changed code updates the row.
    edited = body.replace("United Kingdom,GB", "United Kingdom,IE")
    owner_client.post(_url(world_a, "mapping_import", mappingtype_id=country.uuid), {"file": _upload(edited)})
    assert _rows(country)["United Kingdom"] == "IE"


def test_a_bad_csv_writes_nothing_and_names_rows_and_columns(world_a, owner_client, country):
    text = "source_value,destination_code\nFrance,FR\nNarnia,XX\n,DE\nFrance,FR\n"
    response = owner_client.post(_url(world_a, "mapping_import", mappingtype_id=country.uuid), {"file": _upload(text)})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Row 3, column destination_code: &#x27;XX&#x27; is not a country" in content
    assert "Row 4, column source_value: Enter the source value." in content
    assert "Row 5, column source_value: &#x27;France&#x27; appears more than once." in content
    assert _rows(country) == {"United Kingdom": "GB"}
    bad_header = owner_client.post(_url(world_a, "mapping_import", mappingtype_id=country.uuid),
                                   {"file": _upload("source,code\nFrance,FR\n")})
    assert bad_header.status_code == 400 and "column destination_code, source_value" not in bad_header.content.decode()
    assert "Row 1: the column source_value, destination_code is missing" in bad_header.content.decode()
    assert _rows(country) == {"United Kingdom": "GB"}


def test_types_without_destination_take_no_code(world_a, owner_client):
    mapping_types_ensure(world_a.tenant)
    with scope.disabled():
        auto = MappingType.objects.get(tenant=world_a.tenant, key="auto_tax_band_tax_rules")
    url = _url(world_a, "mapping_add", mappingtype_id=auto.uuid)
    assert owner_client.post(url, {"source_value": "Auto Sales", "destination_code": "X"}).status_code == 400
    assert owner_client.post(url, {"source_value": "Auto Sales"}).status_code == 302
    assert _rows(auto) == {"Auto Sales": ""}


def test_only_admins_change_mappings(world_a, accountant_client, outsider_client, country):
    mapping = world_a.finance["mapping"]
    urls = [
        _url(world_a, "mappings"), _url(world_a, "mapping_type", mappingtype_id=country.uuid),
        _url(world_a, "mapping_add", mappingtype_id=country.uuid), _url(world_a, "mapping_import", mappingtype_id=country.uuid),
        _url(world_a, "mapping_edit", mapping_id=mapping.uuid), _url(world_a, "mapping_delete", mapping_id=mapping.uuid),
    ]
    for url in urls:
        assert accountant_client.post(url, {"source_value": "X", "destination_code": "GB"}).status_code == 403
        assert outsider_client.post(url, {"source_value": "X", "destination_code": "GB"}).status_code == 404
    assert _rows(country) == {"United Kingdom": "GB"}


def test_another_environments_rows_are_404(world_a, world_b):
    client = client_for(world_b.owner)
    foreign_type, foreign_row = world_a.finance["mapping_type"], world_a.finance["mapping"]
    htmx = {"HX-Request": "true"}
    assert client.get(_url(world_b, "mapping_type", mappingtype_id=foreign_type.uuid)).status_code == 404
    assert client.get(_url(world_b, "mapping_export", mappingtype_id=foreign_type.uuid)).status_code == 404
    assert client.get(_url(world_b, "mapping_edit", mapping_id=foreign_row.uuid), headers=htmx).status_code == 404
    assert client.post(_url(world_b, "mapping_edit", mapping_id=foreign_row.uuid),
                       {"source_value": "X", "destination_code": "GB"}, headers=htmx).status_code == 404
    assert client.post(_url(world_b, "mapping_delete", mapping_id=foreign_row.uuid)).status_code == 404
    assert _rows(foreign_type) == {"United Kingdom": "GB"}


def test_demo_catalog_turns_the_integrations_on_and_maps_what_the_ledger_has(db):
    from finance.catalog.demo import seed_catalog
    from finance.catalog.models import Feature

    tenant = TenantFactory(slug="delta")
    with scope.activate(tenant):
        seed_catalog(tenant=tenant, demo=True)
    with scope.disabled():
        assert set(Feature.objects.filter(tenant=tenant, enabled=True).values_list("key", flat=True)) == {"imp_planner", "cin7"}
    assert mapping_lookup(tenant, "Cin7", "auto_tax_band_tax_rules") == {"auto sales": "", "auto purchases": ""}
    with scope.activate(tenant):
        assert seed_catalog(tenant=tenant, demo=True) == 0


def test_the_destination_is_chosen_from_this_environments_codes_only(world_a, world_b, owner_client):
    from finance.ledger.models import PaymentTerm

    with scope.disabled():
        PaymentTerm.objects.create(tenant=world_a.tenant, code="30D", name="30 days")
        PaymentTerm.objects.create(tenant=world_b.tenant, code="BRAVO60", name="Bravo's 60 days")
        terms = MappingType.objects.create(tenant=world_a.tenant, source_system="Cin7", key="payment_terms",
                                           name="Payment Terms", destination="payment_term")
    page = owner_client.get(_url(world_a, "mapping_type", mappingtype_id=terms.uuid)).content.decode()
    assert '<select name="destination_code"' in page
    assert '<option value="30D">30D - 30 days</option>' in page
    assert "BRAVO60" not in page, "another environment's codes are never offered"
    # A code of the other environment, posted by hand, is refused like any unknown code.
    response = owner_client.post(_url(world_a, "mapping_add", mappingtype_id=terms.uuid),
                                 {"source_value": "60 days", "destination_code": "BRAVO60"})
    assert response.status_code == 400
    assert "&#x27;BRAVO60&#x27; is not a payment term code in this environment." in response.content.decode()
    assert _rows(terms) == {}
    # The inline editor offers the same list, with the row's code chosen.
    with scope.disabled():
        row = Mapping.objects.create(tenant=world_a.tenant, type=terms, source_value="30 days", destination_code="30D")
    editor = owner_client.get(_url(world_a, "mapping_edit", mapping_id=row.uuid), headers={"HX-Request": "true"})
    assert '<option value="30D" selected>30D - 30 days</option>' in editor.content.decode()
