"""New, Edit (Configuration and Defaults), clone, enable/disable: the pages and their services."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from finance.audit.models import Event
from finance.ledger.models import NumberSeries
from finance.tenancy import scope
from interfaces import services
from interfaces.models import Interface

pytestmark = pytest.mark.django_db


def url(name, interface=None, slug="alpha"):
    kwargs = {"tenant_slug": slug}
    if interface is not None:
        kwargs["interface_id"] = interface.uuid
    return reverse(f"interfaces:{name}", kwargs=kwargs)


@pytest.fixture
def batches(world_a, world_b):
    with scope.disabled():
        a = NumberSeries.objects.create(tenant=world_a.tenant, code="IMP", name="Import batches", kind="batch", prefix="IMP")
        NumberSeries.objects.create(tenant=world_a.tenant, code="DOCS", name="Documents", kind="number")
        b = NumberSeries.objects.create(tenant=world_b.tenant, code="BOTH", name="Other batches", kind="batch")
    return a, b


@pytest.fixture
def configurable(world_a):
    with scope.activate(world_a.tenant):
        return services.interface_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Configurable", kind="test_config")


def test_new_offers_the_registered_types_and_only_this_environments_batch_series(owner_client, batches):
    html = owner_client.get(url("new")).content.decode()
    assert 'value="test_config"' in html and "Test configurable" in html
    assert 'value="IMP"' in html and 'value="DOCS"' not in html and 'value="BOTH"' not in html


def test_new_creates_the_interface_and_opens_its_settings(owner_client, world_a, batches):
    response = owner_client.post(url("new"), {"kind": "test_config", "description": "  Nightly bank file ", "batch_series": "IMP"})
    with scope.activate(world_a.tenant):
        interface = Interface.objects.get(description="Nightly bank file")
        assert response.status_code == 302 and response["Location"] == url("edit", interface)
        assert interface.batch_series.code == "IMP" and interface.owner == world_a.owner.user
        assert interface.date_format == "dd/MM/yy", "a kind's own default date format wins over the environment's"
        event = Event.objects.get(action="interface.created", object_uuid=interface.uuid)
        assert event.after["batch_series"] == "IMP"


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "test_config", "description": "contact IMPORT"}, "description", "An interface called &#x27;contact IMPORT&#x27; already exists"),
    ({"kind": "test_config", "description": ""}, "description", "This field is required."),
    ({"kind": "nope", "description": "X"}, "kind", "Select a valid choice."),
    ({"kind": "test_config", "description": "X", "batch_series": "BOTH"}, "batch_series", "Select a valid choice."),
])
def test_new_refuses_bad_input_with_a_message_and_creates_nothing(owner_client, world_a, batches, data, field, message):
    with scope.activate(world_a.tenant):
        before = Interface.objects.count()
    response = owner_client.post(url("new"), data)
    assert response.status_code == 400 and message in response.content.decode()
    with scope.activate(world_a.tenant):
        assert Interface.objects.count() == before


def test_the_settings_page_has_configuration_and_defaults_tabs_with_the_kinds_settings(owner_client, configurable):
    html = owner_client.get(url("edit", configurable)).content.decode()
    assert "Configuration" in html and "Defaults" in html
    assert 'name="cfg_delimiter"' in html and "Semicolon" in html and 'name="cfg_header_lines"' in html
    assert 'name="cfg_date_format"' not in html, "the date format is on the Defaults tab"
    assert 'name="date_format"' in html and '<option value="dd/MM/yy" selected>' in html and 'value="dd MMM yyyy"' in html


def edit_data(**overrides):
    data = {"description": "Configurable", "enabled": "on", "owner": "", "batch_series": "", "date_format": "dd/MM/yyyy",
            "datetime_format": "dd/MM/yyyy HH:mm", "cfg_delimiter": ";", "cfg_header_lines": "2", "cfg_account": "BANK1"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_saving_the_settings_stores_them_and_the_log_has_before_and_after(owner_client, world_a, configurable, batches):
    response = owner_client.post(url("edit", configurable), edit_data(batch_series="IMP"))
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        configurable.refresh_from_db()
        assert configurable.config == {"delimiter": ";", "header_lines": 2, "partial": False, "account": "BANK1"}
        assert configurable.date_format == "dd/MM/yyyy" and configurable.batch_series.code == "IMP" and configurable.owner is None
        event = Event.objects.get(action="interface.updated")
        assert event.before["date_format"] == "dd/MM/yy" and event.after["date_format"] == "dd/MM/yyyy"
        assert event.after["config"]["delimiter"] == ";"


@pytest.mark.parametrize("overrides, message", [
    ({"datetime_format": "dd/MM/yyyy"}, "is not a date and time format"),
    ({"date_format": "dd/mm/yy"}, "Select a valid choice"),
    ({"cfg_header_lines": "two"}, "Enter a whole number."),
    ({"cfg_delimiter": "|"}, "Select a valid choice"),
    ({"description": "Contact import"}, "already exists"),
])
def test_bad_settings_are_refused_and_change_nothing(owner_client, world_a, configurable, overrides, message):
    response = owner_client.post(url("edit", configurable), edit_data(**overrides))
    assert response.status_code == 400 and message in response.content.decode()
    with scope.activate(world_a.tenant):
        configurable.refresh_from_db()
        assert configurable.config == {} and configurable.date_format == "dd/MM/yy"


def test_a_defaults_error_opens_the_defaults_tab(owner_client, configurable):
    html = owner_client.post(url("edit", configurable), edit_data(datetime_format="HH:mm")).content.decode()
    assert 'id="tab-defaults" data-bs-toggle="tab" data-bs-target="#pane-defaults" type="button" role="tab" aria-controls="pane-defaults" aria-selected="true"' in html


def test_the_service_refuses_another_environments_batch_series(world_a, configurable, batches):
    with scope.activate(world_a.tenant), pytest.raises(ValidationError, match="batch series"):
        services.interface_update(interface=configurable, actor=None, batch_series=batches[1])


def test_clone_copies_the_settings_disabled_under_a_new_name(owner_client, world_a, configurable):
    owner_client.post(url("edit", configurable), edit_data())
    response = owner_client.post(url("clone", configurable))
    owner_client.post(url("clone", configurable))
    with scope.activate(world_a.tenant):
        copy = Interface.objects.get(description="Configurable (copy)")
        assert Interface.objects.filter(description="Configurable (copy 2)").exists()
        assert response["Location"] == url("edit", copy)
        assert not copy.enabled and copy.config == {"delimiter": ";", "header_lines": 2, "partial": False, "account": "BANK1"}
        assert copy.date_format == "dd/MM/yyyy" and copy.kind == "test_config"


def test_disable_and_enable(owner_client, world_a, configurable):
    owner_client.post(url("toggle", configurable), {"enabled": "0"})
    with scope.activate(world_a.tenant):
        configurable.refresh_from_db()
        assert not configurable.enabled
    html = owner_client.get(url("detail", configurable)).content.decode()
    assert "Disabled" in html and "?action=run" not in html
    owner_client.post(url("toggle", configurable), {"enabled": "1"})
    with scope.activate(world_a.tenant):
        configurable.refresh_from_db()
        assert configurable.enabled


def test_read_only_users_see_interfaces_but_cannot_run_or_change_them(viewer_client, accountant_client, configurable):
    html = viewer_client.get(url("detail", configurable)).content.decode()
    assert "?action=run" not in html and ">Clone<" not in html and url("edit", configurable) not in html
    assert "New interface" not in viewer_client.get(url("list")).content.decode()
    for name in ("edit", "run_form"):
        assert viewer_client.get(url(name, configurable)).status_code == 403
    for name in ("clone", "toggle"):
        assert viewer_client.post(url(name, configurable)).status_code == 403
    assert viewer_client.get(url("new")).status_code == 403
    # An accountant runs but does not configure.
    html = accountant_client.get(url("detail", configurable)).content.decode()
    assert "?action=run" in html and "?action=synchronise" in html and ">Clone<" not in html
    assert accountant_client.get(url("edit", configurable)).status_code == 403


def test_another_environments_interface_is_not_found(outsider_client, configurable):
    for name in ("edit", "run_form"):
        assert outsider_client.get(url(name, configurable)).status_code == 404
    for name in ("clone", "toggle"):
        assert outsider_client.post(url(name, configurable)).status_code == 404


def test_the_list_shows_batch_series_and_owner_and_filters_by_type(owner_client, world_a, configurable, batches):
    with scope.activate(world_a.tenant):
        services.interface_update(interface=configurable, actor=None, batch_series=batches[0])
    html = owner_client.get(url("list"), {"kind": "test_config"}).content.decode()
    assert "Configurable" in html and "IMP" in html and world_a.owner.user.email in html
    assert "Contact import</a>" not in html


def test_an_import_interface_offers_its_template(viewer_client, world_a):
    html = viewer_client.get(url("detail", world_a.interface)).content.decode()  # a Contact import
    assert "Download template" in html and "/alpha/data-dictionary/contacts/template.csv" in html


def test_an_interface_without_a_template_offers_none(viewer_client, configurable):
    assert "Download template" not in viewer_client.get(url("detail", configurable)).content.decode()
