"""Vault pages: who may see them, what they do, and that a secret never reaches a browser."""

import re

import pytest
from django.urls import reverse

from finance.audit.models import Event, Severity
from finance.tenancy import scope
from finance.tenancy.roles import Role
from vault.models import VaultEntry
from vault.services import vault_secret_read

from ..conftest import client_for
from ..factories import PASSWORD, MembershipFactory

CANARY = "CANARY-7f3e9b21-do-not-leak"


def _url(name, world, entry=None):
    kwargs = {"tenant_slug": world.tenant.slug}
    if entry is not None:
        kwargs["vaultentry_id"] = entry.uuid
    return reverse(f"vault:{name}", kwargs=kwargs)


def _entry(world, name="Cin7 API key"):
    with scope.activate(world.tenant):
        return VaultEntry.objects.get(name=name)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "new", "edit", "value", "delete"])
def test_only_vault_manage_may_see_a_vault_page(page, world_a, world_b):
    entry = world_a.finance["vault_entry"] if page not in ("list", "new") else None
    url = _url(page, world_a, entry)
    assert client_for(world_a.owner).get(url).status_code == 200
    for member in (world_a.accountant, world_a.viewer):
        client = client_for(member)
        assert client.get(url).status_code == 403
        assert client.post(url, {"confirm": "yes"}).status_code == 403
    outsider = client_for(world_b.owner)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"confirm": "yes"}).status_code == 404
    assert _entry(world_a).pk == world_a.finance["vault_entry"].pk


@pytest.mark.django_db
def test_another_environments_entry_is_404_for_its_admin(world_a, world_b):
    foreign = world_a.finance["vault_entry"]
    client = client_for(world_b.owner)
    for page in ("edit", "value", "delete"):
        url = reverse(f"vault:{page}", kwargs={"tenant_slug": world_b.tenant.slug, "vaultentry_id": foreign.uuid})
        assert client.get(url).status_code == 404
        assert client.post(url, {"confirm": "yes", "value": "x" * 12, "password": PASSWORD}).status_code == 404


@pytest.mark.django_db
def test_the_menu_offers_the_vault_only_to_those_who_may_open_it(world_a):
    home = reverse("dashboard", kwargs={"tenant_slug": world_a.tenant.slug})
    assert _url("list", world_a).encode() in client_for(world_a.owner).get(home).content
    assert _url("list", world_a).encode() not in client_for(world_a.accountant).get(home).content


@pytest.mark.django_db
def test_new_entry_edit_replace_and_delete(world_a):
    client = client_for(world_a.owner)
    response = client.post(_url("new", world_a), {
        "name": "IMP Planner", "type": "imp_planner", "description": "Planner token",
        "value": "planner-token-abcd", "password": PASSWORD,
    })
    assert response.status_code == 302
    entry = _entry(world_a, "IMP Planner")
    assert entry.fingerprint == "abcd" and entry.updated_by == world_a.owner.user
    listing = client.get(_url("list", world_a)).content.decode()
    assert "••••abcd" in listing and "planner-token" not in listing

    assert client.post(_url("edit", world_a, entry), {"type": "generic", "description": "Changed"}).status_code == 302
    entry = _entry(world_a, "IMP Planner")
    assert (entry.type, entry.description) == ("generic", "Changed")

    response = client.post(_url("value", world_a, entry), {"value": "second-token-wxyz", "password": "wrong"})
    assert response.status_code == 400
    assert "Your password is not correct." in response.content.decode()
    assert _entry(world_a, "IMP Planner").fingerprint == "abcd"
    assert client.post(_url("value", world_a, entry), {"value": "second-token-wxyz", "password": PASSWORD}).status_code == 302
    assert _entry(world_a, "IMP Planner").fingerprint == "wxyz"

    assert client.get(_url("delete", world_a, entry)).status_code == 200
    assert client.post(_url("delete", world_a, entry), {"confirm": "yes"}).status_code == 302
    with scope.activate(world_a.tenant):
        assert not VaultEntry.objects.filter(name="IMP Planner").exists()


@pytest.mark.django_db
def test_a_refused_form_never_echoes_the_value(world_a):
    client = client_for(world_a.owner)
    response = client.post(_url("new", world_a), {
        "name": "Cin7 API key", "type": "cin7", "value": CANARY, "password": PASSWORD,  # duplicate name
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "already exists" in body
    assert CANARY not in body
    assert PASSWORD not in body
    for tag in re.findall(r"<input[^>]*type=\"password\"[^>]*>", body):
        assert "value=" not in tag
    response = client.post(_url("new", world_a), {"name": "Other", "type": "cin7", "value": CANARY, "password": "wrong"})
    assert response.status_code == 400 and CANARY not in response.content.decode()


@pytest.mark.django_db
def test_canary_never_reaches_a_page_or_the_event_log(world_a):
    client = client_for(world_a.owner)
    assert client.post(_url("new", world_a), {
        "name": "Canary", "type": "api_key", "description": "canary entry", "value": CANARY, "password": PASSWORD,
    }).status_code == 302
    entry = _entry(world_a, "Canary")
    assert client.post(_url("value", world_a, entry), {"value": CANARY + "-2", "password": PASSWORD}).status_code == 302
    assert client.post(_url("value", world_a, entry), {"value": CANARY, "password": PASSWORD}).status_code == 302
    run = world_a.finance["run"]
    with scope.activate(world_a.tenant):
        assert vault_secret_read(entry=entry, purpose="sign in", run=run, actor=world_a.owner.user) == CANARY
    assert client.post(_url("edit", world_a, entry), {"type": "generic", "description": "still canary"}).status_code == 302

    slug = world_a.tenant.slug
    urls = [_url(page, world_a, entry if page in ("edit", "value", "delete") else None)
            for page in ("list", "new", "edit", "value", "delete")]
    urls += [reverse("audit:events", kwargs={"tenant_slug": slug}),
             reverse("audit:events", kwargs={"tenant_slug": slug}) + "?format=csv",
             reverse("interfaces:run", kwargs={"tenant_slug": slug, "run_id": run.uuid})]
    with scope.activate(world_a.tenant):
        events = list(Event.objects.filter(object_uuid=str(entry.uuid)))
    assert {"vault.entry_created", "vault.value_set", "vault.secret_read", "vault.entry_updated"} <= {e.action for e in events}
    urls += [reverse("audit:event", kwargs={"tenant_slug": slug, "event_id": e.uuid}) for e in events]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY.encode() not in content, url
    with scope.activate(world_a.tenant):
        for event in Event.objects.all():
            for text in (event.message, repr(event.before), repr(event.after), event.object_repr):
                assert CANARY not in text, event.action
    # Finally delete it: that row too carries no value.
    assert client.post(_url("delete", world_a, entry), {"confirm": "yes"}).status_code == 302
    with scope.activate(world_a.tenant):
        deleted = Event.objects.get(action="vault.entry_deleted")
    assert CANARY not in repr(deleted.before) + deleted.message


@pytest.mark.django_db
def test_wrong_password_rechecks_are_throttled_with_a_clear_429(world_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = client_for(world_a.owner)
    entry = world_a.finance["vault_entry"]
    before = _entry(world_a).ciphertext
    for _ in range(3):
        response = client.post(_url("value", world_a, entry), {"value": "replacement-1234", "password": "wrong"})
        assert response.status_code == 400
        assert "Your password is not correct." in response.content.decode()
    # Past the limit even the right password is refused, on both forms, with the time to wait.
    response = client.post(_url("value", world_a, entry), {"value": "replacement-1234", "password": PASSWORD})
    assert response.status_code == 429
    assert re.search(r"Too many wrong passwords\. Try again in 1[56] minute\(s\)\.", response.content.decode())
    response = client.post(_url("new", world_a), {"name": "Other", "type": "generic", "value": "other-value-9876",
                                                  "password": PASSWORD})
    assert response.status_code == 429
    with scope.activate(world_a.tenant):
        assert not VaultEntry.objects.filter(name="Other").exists()
    assert bytes(_entry(world_a).ciphertext) == bytes(before)
    # The lock is in the Event log once, from when it started, though no change was made.
    with scope.activate(world_a.tenant):
        (locked,) = Event.objects.filter(action="vault.password_locked")
    assert locked.user == world_a.owner.user and locked.severity == Severity.WARNING
    assert re.fullmatch(rf"Vault: 3 wrong passwords in a row from {re.escape(world_a.owner.user.email)}; their password "
                        r"re-check is refused for 1[56] minute\(s\)", locked.message)
    # Another user is not held back by this one's failures.
    other = client_for(MembershipFactory(tenant=world_a.tenant, role=Role.ADMIN))
    assert other.post(_url("value", world_a, entry), {"value": "replacement-1234", "password": PASSWORD}).status_code == 302
    assert _entry(world_a).fingerprint == "1234"


@pytest.mark.django_db
def test_the_lock_lifts_after_the_window_and_a_right_password_clears_the_count(world_a, settings, monkeypatch):
    import time

    settings.LOGIN_FAILURE_LIMIT = 2
    client = client_for(world_a.owner)
    entry = world_a.finance["vault_entry"]
    url = _url("value", world_a, entry)
    assert client.post(url, {"value": "replacement-1234", "password": "wrong"}).status_code == 400
    assert client.post(url, {"value": "replacement-1234", "password": PASSWORD}).status_code == 302  # clears
    assert client.post(url, {"value": "replacement-5678", "password": "wrong"}).status_code == 400
    assert client.post(url, {"value": "replacement-5678", "password": "wrong"}).status_code == 400
    assert client.post(url, {"value": "replacement-5678", "password": PASSWORD}).status_code == 429
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + settings.LOGIN_FAILURE_WINDOW + 1)
    assert client.post(url, {"value": "replacement-5678", "password": PASSWORD}).status_code == 302
    assert _entry(world_a).fingerprint == "5678"


@pytest.mark.django_db
def test_the_list_shows_who_created_an_entry_and_who_set_its_value_last(world_a):
    other = MembershipFactory(tenant=world_a.tenant, role=Role.ADMIN, user__full_name="Second Admin")
    world_a.owner.user.full_name = "First Admin"
    world_a.owner.user.save()
    entry = world_a.finance["vault_entry"]
    assert client_for(other).post(_url("value", world_a, entry),
                                  {"value": "replacement-9876", "password": PASSWORD}).status_code == 302
    listing = client_for(world_a.owner).get(_url("list", world_a)).content.decode()
    row = listing.split("Cin7 API key")[1].split("</tr>")[0]
    assert "••••9876" in row
    assert re.search(r"<td>Second Admin</td>", row)
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d by First Admin</td>", row)
    assert "replacement" not in listing
