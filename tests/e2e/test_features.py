"""An admin switches a feature on in Environment defaults and finds its interface type offered on
New interface; switching it off asks for a reason, and the type is no longer offered."""

import pytest
from playwright.sync_api import expect

from finance.audit.models import Event
from finance.tenancy import scope

from ..catalog.test_features import planner  # noqa: F401 - the fixture: a kind that needs IMP Planner
from ..factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _offered(page, live_server):
    page.goto(f"{live_server.url}/alpha/interfaces/new/")
    return page.get_by_label("Interface type").locator("option").all_inner_texts()


def test_switch_a_feature_on_see_its_kind_offered_and_off_with_a_reason(page, live_server, world_a, planner):  # noqa: F811
    page.goto(f"{live_server.url}/alpha/catalogs/features/")
    page.get_by_label("E-mail address").fill(world_a.owner.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert "Test planner" not in _offered(page, live_server)

    page.goto(f"{live_server.url}/alpha/catalogs/features/")
    page.get_by_label("Feature").select_option(label="IMP Planner")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("cell", name="IMP Planner")).to_be_visible()
    assert "Test planner" not in _offered(page, live_server), "catalogued but still off"

    page.goto(f"{live_server.url}/alpha/defaults/features/")
    item = page.locator("#feature-switches li").filter(has_text="IMP Planner")
    item.get_by_role("button", name="Turn on").click()
    item = page.locator("#feature-switches li").filter(has_text="IMP Planner")
    expect(item.get_by_text("On", exact=True)).to_be_visible()
    assert "Test planner" in _offered(page, live_server)

    page.goto(f"{live_server.url}/alpha/defaults/features/")
    page.locator("#feature-switches li").filter(has_text="IMP Planner").get_by_role("link", name="Turn off…").click()
    page.get_by_role("button", name="Turn off").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()  # no reason, no change
    page.get_by_label("Reason").fill("Planner contract ended")
    page.get_by_role("button", name="Turn off").click()
    item = page.locator("#feature-switches li").filter(has_text="IMP Planner")
    expect(item.get_by_text("Off", exact=True)).to_be_visible()
    assert "Test planner" not in _offered(page, live_server)
    with scope.activate(world_a.tenant):
        event = Event.objects.get(action="feature.disabled")
    assert event.after == {"enabled": False, "reason": "Planner contract ended"}
