"""Sets: named saved views of a list page (path, filters, sort, rows per page and columns), private
to their user or shared with the whole environment."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.accounts.models import ColumnPreference, SavedView
from finance.audit.models import Event
from finance.lists_services import saved_view_create, saved_view_delete
from finance.tenancy import scope
from finance.tenancy.roles import Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db
CONTACTS = "/alpha/contacts/"
CREATE = "/alpha/lists/contacts/sets/"


def _save(client, name, query="", path=CONTACTS, follow=False, **extra):
    return client.post(CREATE, {"name": name, "path": path, "query": query, **extra}, follow=follow)


def _set(world, name):
    with scope.activate(world.tenant):
        return SavedView.objects.get(name=name)


def _create(world, membership, name, shared=False, columns=("account_description", "tax_no"), query="q=acme", path=CONTACTS):
    with scope.activate(world.tenant):
        return saved_view_create(
            tenant=world.tenant, user=membership.user, page_key="contacts", path=path, name=name,
            query=query, columns=list(columns), shared=shared,
        )


def _apply_url(saved, list_key="contacts", slug="alpha"):
    return f"/{slug}/lists/{list_key}/sets/{saved.uuid}/"


def _delete_url(saved, list_key="contacts"):
    return f"/alpha/lists/{list_key}/sets/{saved.uuid}/delete/"


def _columns(world, membership, list_key="contacts"):
    with scope.activate(world.tenant):
        pref = ColumnPreference.objects.filter(user=membership.user, list_key=list_key).first()
    return pref.columns if pref else None


# --- Saving ---------------------------------------------------------------------------------------


def test_saving_keeps_the_filters_sort_and_columns_but_never_the_page_or_format(owner_client, world_a):
    owner_client.post("/alpha/lists/contacts/columns/", {"columns": ["tax_no", "account_description"], "next": CONTACTS})
    response = _save(owner_client, "  Acme   customers ", "q=acme&role=customer&sort=-code&per_page=50&page=3&format=csv&is_active=")
    assert response.status_code == 302
    assert response["Location"] == "/alpha/contacts/?per_page=50&q=acme&role=customer&sort=-code"
    saved = _set(world_a, "Acme customers")
    assert saved.path == CONTACTS and saved.list_key == "contacts" and not saved.shared
    assert saved.query == "per_page=50&q=acme&role=customer&sort=-code"
    assert saved.columns == ["account_description", "tax_no"]  # the list's order, as the chooser had them
    assert saved.user == world_a.owner.user


def test_the_saved_set_is_listed_and_marked_active_while_its_view_is_shown(owner_client, world_a):
    page = owner_client.post(CREATE, {"name": "Acme", "path": CONTACTS, "query": "q=acme"}, follow=True).content.decode()
    assert "Set &#x27;Acme&#x27; saved." in page
    saved = _set(world_a, "Acme")
    assert f'href="{_apply_url(saved)}" aria-current="true"' in page
    other = owner_client.get(CONTACTS, {"q": "other"}).content.decode()
    assert _apply_url(saved) in other and 'aria-current="true"' not in other.split('id="set-chooser"')[1].split("column-chooser")[0]


def test_a_set_stays_marked_whatever_order_page_or_empty_fields_the_filter_form_sends(owner_client, world_a):
    saved = _create(world_a, world_a.owner, "Acme", query="sort=-code&q=acme")
    html = owner_client.get(CONTACTS, {"role": "", "q": "acme", "per_page": "25", "page": "2", "sort": "-code"}).content.decode()
    assert f'href="{_apply_url(saved)}" aria-current="true"' in html
    assert 'aria-current="true"' not in owner_client.get(CONTACTS, {"q": "acme", "per_page": "50"}).content.decode().split('id="set-chooser"')[1]


def test_the_menu_saves_what_the_filter_shows_after_an_htmx_swap(owner_client):
    html = owner_client.get(CONTACTS, {"q": "zed", "page": "2", "role": ""}, headers={"HX-Request": "true"}).content.decode()
    assert 'name="query" value="q=zed"' in html and f'name="path" value="{CONTACTS}"' in html
    assert 'id="set-chooser"' in html  # the menu lives in the partial htmx swaps


def test_a_set_of_a_nested_list_keeps_its_parent(owner_client, world_a):
    log = f"/alpha/interfaces/{world_a.interface.uuid}/"
    response = owner_client.post("/alpha/lists/interface_log/sets/", {"name": "Failed", "path": log, "query": "status=failed"})
    assert response["Location"] == f"{log}?status=failed"
    saved = _set(world_a, "Failed")
    applied = owner_client.get(f"/alpha/lists/interface_log/sets/{saved.uuid}/")
    assert applied.status_code == 302 and applied["Location"] == f"{log}?status=failed"


# --- Name rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the set a name."),
        ("   ", "Give the set a name."),
        ("x" * 61, "A set&#x27;s name can have at most 60 characters (it has 61)."),
        ("errors", "You already have a set called &#x27;errors&#x27; for this list; choose another name."),
    ],
)
def test_a_bad_name_is_refused_with_a_message(owner_client, world_a, name, message):
    _create(world_a, world_a.owner, "Errors")
    response = _save(owner_client, name, "q=acme", follow=True)
    assert message in response.content.decode()
    assert response.redirect_chain[-1][0] == "/alpha/contacts/?q=acme"
    with scope.activate(world_a.tenant):
        assert SavedView.objects.filter(list_key="contacts").count() == 1


def test_a_name_of_60_characters_is_fine_and_another_user_or_list_may_reuse_a_name(owner_client, accountant_client, world_a):
    assert _save(owner_client, "y" * 60).status_code == 302
    _create(world_a, world_a.owner, "Mine")
    assert _save(accountant_client, "MINE").status_code == 302
    with scope.activate(world_a.tenant):
        assert SavedView.objects.filter(name__iexact="mine").count() == 2
        assert SavedView.objects.filter(name="y" * 60).exists()


def test_the_service_reports_each_problem_by_field(world_a):
    with pytest.raises(ValidationError) as error:
        _create(world_a, world_a.accountant, "", shared=True, path="https://evil.example/alpha/contacts/")
    assert set(error.value.message_dict) == {"name", "path", "shared"}


# --- Applying -------------------------------------------------------------------------------------


def test_applying_a_set_shows_its_columns_and_opens_its_view(owner_client, world_a):
    saved = _create(world_a, world_a.owner, "Acme", columns=["tax_no", "account_description", "not-a-column"], query="q=acme&sort=code")
    assert "sort=classification" in owner_client.get(CONTACTS).content.decode()
    response = owner_client.get(_apply_url(saved))
    assert response.status_code == 302 and response["Location"] == "/alpha/contacts/?q=acme&sort=code"
    assert _columns(world_a, world_a.owner) == ["account_description", "tax_no"]
    html = owner_client.get(response["Location"]).content.decode()
    assert "sort=classification" not in html and "sort=tax_no" in html and 'aria-current="true"' in html


def test_applying_a_set_without_columns_brings_the_default_columns_back(owner_client, world_a):
    owner_client.post("/alpha/lists/contacts/columns/", {"columns": ["tax_no"], "next": CONTACTS})
    saved = _create(world_a, world_a.owner, "Defaults", columns=["gone"], query="")
    assert owner_client.get(_apply_url(saved))["Location"] == CONTACTS
    assert _columns(world_a, world_a.owner) is None


def test_a_set_is_applied_only_on_its_own_list(owner_client, world_a):
    saved = _create(world_a, world_a.owner, "Acme")
    assert owner_client.get(_apply_url(saved, list_key="events")).status_code == 404
    assert owner_client.get(_apply_url(saved, list_key="nope")).status_code == 404
    assert owner_client.post(_apply_url(saved)).status_code == 405


# --- Shared and private ---------------------------------------------------------------------------


def test_a_private_set_is_its_owners_alone(owner_client, accountant_client, world_a):
    private = _create(world_a, world_a.owner, "Owner only")
    assert "Owner only" in owner_client.get(CONTACTS).content.decode()
    assert "Owner only" not in accountant_client.get(CONTACTS).content.decode()
    assert accountant_client.get(_apply_url(private)).status_code == 404
    assert accountant_client.post(_delete_url(private), {"confirm": "yes"}).status_code == 404
    assert _columns(world_a, world_a.accountant) is None


def test_a_shared_set_is_listed_and_applied_for_everyone(owner_client, accountant_client, viewer_client, world_a):
    shared = _create(world_a, world_a.owner, "Team view", shared=True)
    for client in (accountant_client, viewer_client):
        html = client.get(CONTACTS).content.decode()
        assert "Team view" in html and "Shared with everyone" in html
        assert client.get(_apply_url(shared))["Location"] == "/alpha/contacts/?q=acme"
    assert _columns(world_a, world_a.accountant) == ["account_description", "tax_no"]
    assert _columns(world_a, world_a.owner) is None  # applying changes only the applier's columns


def test_only_a_role_with_users_manage_may_share_a_set(owner_client, accountant_client, world_a):
    assert "Share with everyone in this environment" in owner_client.get(CONTACTS).content.decode()
    assert "Share with everyone in this environment" not in accountant_client.get(CONTACTS).content.decode()
    refused = _save(accountant_client, "Sneaky", shared="1", follow=True)
    assert "Your role does not allow sharing a set" in refused.content.decode()
    _save(owner_client, "Everyone's", shared="1")
    with scope.activate(world_a.tenant):
        assert not SavedView.objects.filter(name="Sneaky").exists()
        assert SavedView.objects.get(name="Everyone's").shared


def test_sharing_and_deleting_a_shared_set_is_in_the_event_log_but_private_sets_are_not(world_a):
    private = _create(world_a, world_a.owner, "Private")
    shared = _create(world_a, world_a.owner, "Shared", shared=True)
    with scope.activate(world_a.tenant):
        saved_view_delete(view=private, user=world_a.owner.user)
        saved_view_delete(view=shared, user=world_a.owner.user)
        actions = list(Event.objects.filter(action__startswith="saved_view.").values_list("action", "object_repr"))
    assert sorted(actions) == [("saved_view.created", "Shared"), ("saved_view.deleted", "Shared")]


# --- Deleting -------------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes(owner_client, world_a):
    saved = _create(world_a, world_a.owner, "Acme")
    ask = owner_client.post(_delete_url(saved))  # the menu's Delete button
    assert ask.status_code == 200 and "Delete the set “Acme”?" in ask.content.decode()
    assert 'name="confirm" value="yes"' in ask.content.decode()
    assert owner_client.get(_delete_url(saved)).status_code == 200
    done = owner_client.post(_delete_url(saved), {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == CONTACTS
    with scope.activate(world_a.tenant):
        assert not SavedView.objects.filter(name="Acme").exists()


def test_a_member_deletes_their_own_sets_but_not_a_shared_one_of_someone_else(accountant_client, world_a):
    own = _create(world_a, world_a.accountant, "Mine")
    shared = _create(world_a, world_a.owner, "Team", shared=True)
    html = accountant_client.get(CONTACTS).content.decode()
    assert _delete_url(own) in html and _delete_url(shared) not in html
    assert accountant_client.post(_delete_url(shared), {"confirm": "yes"}).status_code == 403
    assert accountant_client.post(_delete_url(own), {"confirm": "yes"}).status_code == 302
    with scope.activate(world_a.tenant):
        assert list(SavedView.objects.filter(list_key="contacts").values_list("name", flat=True)) == ["Team"]
    with pytest.raises(PermissionDenied), scope.activate(world_a.tenant):
        saved_view_delete(view=shared, user=world_a.accountant.user)


def test_an_administrator_deletes_another_administrators_shared_set_but_not_their_private_one(owner_client, world_a):
    other_admin = MembershipFactory(tenant=world_a.tenant, role=Role.ADMIN)
    shared = _create(world_a, other_admin, "Theirs shared", shared=True)
    private = _create(world_a, other_admin, "Theirs private")
    assert _delete_url(shared) in owner_client.get(CONTACTS).content.decode()
    assert owner_client.post(_delete_url(private), {"confirm": "yes"}).status_code == 404
    assert owner_client.post(_delete_url(shared), {"confirm": "yes"}).status_code == 302
    with scope.activate(world_a.tenant):
        assert list(SavedView.objects.filter(list_key="contacts").values_list("name", flat=True)) == ["Theirs private"]
        assert Event.objects.get(action="saved_view.deleted").user == world_a.owner.user
    with pytest.raises(PermissionDenied), scope.activate(world_a.tenant):
        saved_view_delete(view=private, user=world_a.owner.user)


# --- Outsiders and redirects ----------------------------------------------------------------------


def test_an_outsider_gets_404_for_every_set_url(outsider_client, world_a):
    saved = _create(world_a, world_a.owner, "Acme", shared=True)
    for url in (_apply_url(saved), _delete_url(saved), CREATE):
        assert outsider_client.get(url).status_code == 404
        assert outsider_client.post(url, {"name": "x", "path": CONTACTS, "confirm": "yes"}).status_code == 404
    # Through their own environment's slug the id is as unknown as a made-up one.
    assert outsider_client.get(_apply_url(saved, slug="bravo")).status_code == 404
    with scope.activate(world_a.tenant):
        assert SavedView.objects.filter(pk=saved.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.example/alpha/contacts/",
        "//evil.example/alpha/contacts/",
        "/alpha/contacts/../../evil.example/",
        "/\\evil.example/",
        "/alpha/contacts/?next=//evil.example/",
        "/bravo/contacts/",  # another environment
        "/alpha/events/",  # another list
        "/alpha/lists/contacts/sets/",
        "",
    ],
)
def test_a_submitted_path_that_is_not_this_list_is_refused(owner_client, world_a, path):
    response = _save(owner_client, "Away", path=path)
    assert response.status_code == 302 and response["Location"] == "/alpha/"
    with scope.activate(world_a.tenant):
        assert not SavedView.objects.filter(name="Away").exists()


@pytest.mark.parametrize("path", ["//evil.example/", "https://evil.example/", "/bravo/contacts/", "/alpha/events/"])
def test_a_stored_path_that_is_not_this_list_is_never_followed(owner_client, world_a, path):
    with scope.activate(world_a.tenant):
        saved = SavedView.objects.create(
            tenant=world_a.tenant, user=world_a.owner.user, list_key="contacts", name="Tampered", path=path, columns=["code"]
        )
    response = owner_client.get(_apply_url(saved), follow=True)
    assert response.redirect_chain == [("/alpha/", 302)]
    assert "does not point at the Contact accounts list" in response.content.decode()
    assert _columns(world_a, world_a.owner) is None


def test_a_stored_query_cannot_break_out_of_the_querystring(owner_client, world_a):
    with scope.activate(world_a.tenant):
        saved = SavedView.objects.create(
            tenant=world_a.tenant, user=world_a.owner.user, list_key="contacts", name="Odd", path=CONTACTS,
            query="q=a#x&next=//evil.example/\r\nLocation: https://evil.example/",
        )
    location = owner_client.get(_apply_url(saved))["Location"]
    assert location.startswith("/alpha/contacts/?") and "\n" not in location and "#" not in location


# --- Cost -----------------------------------------------------------------------------------------


def test_the_sets_cost_one_query_whatever_their_number(owner_client, world_a):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(CONTACTS).status_code == 200
        return len(captured.captured_queries)

    before = queries()
    others = [MembershipFactory(tenant=world_a.tenant, role=Role.ADMIN) for _ in range(3)]
    for n in range(10):
        _create(world_a, world_a.owner, f"Mine {n}")
        _create(world_a, others[n % 3], f"Theirs {n}", shared=True)
    assert queries() == before
    html = owner_client.get(CONTACTS).content.decode()
    assert html.count("/alpha/lists/contacts/sets/") >= 40  # 20 apply links and 20 delete buttons
