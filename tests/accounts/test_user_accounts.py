import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from finance.accounts.models import User
from finance.audit.models import Event
from finance.tenancy import scope
from finance.tenancy.models import Membership

from ..conftest import client_for
from ..factories import PASSWORD

pytestmark = pytest.mark.django_db
USERS = "/alpha/users/"


def _user_url(membership, suffix=""):
    return reverse("accounts:user", kwargs={"tenant_slug": membership.tenant.slug, "membership_id": membership.uuid}) + suffix


def test_admins_see_everyone_in_the_environment_and_no_one_else(owner_client, world_a, world_b):
    html = owner_client.get(USERS).content.decode()
    for m in (world_a.owner, world_a.accountant, world_a.viewer):
        assert m.user.email in html
    assert world_b.owner.user.email not in html


@pytest.mark.parametrize("client_fixture", ["accountant_client", "viewer_client"])
def test_only_admins_may_manage_users(request, client_fixture, world_a):
    client = request.getfixturevalue(client_fixture)
    assert client.get(USERS).status_code == 403
    assert client.post(USERS, {"email": "x@example.com", "full_name": "X", "role": "admin", "setup": "invite"}).status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_inviting_a_user_sends_a_link_that_sets_their_password(owner_client, world_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(USERS, {"email": "New.Person@Example.com", "full_name": "New Person", "role": "accountant", "setup": "invite"})
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.com")
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.person@example.com"]
    link = re.search(r"http://testserver(/accounts/invitation/\S+)", mail.outbox[0].body).group(1)

    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert b"Choose your password" in form_page.content
    weak = visitor.post(form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"})
    assert weak.status_code == 200 and b"too short" in weak.content
    done = visitor.post(form_page.redirect_chain[-1][0], {"new_password1": "A-much-better-pass-77", "new_password2": "A-much-better-pass-77"})
    assert done.status_code == 302
    assert visitor.get("/alpha/").status_code == 200
    with scope.activate(world_a.tenant):
        assert Event.objects.filter(action="user.invited", object_repr__contains="new.person@example.com").exists()


def test_an_invitation_link_works_once(owner_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(USERS, {"email": "once@example.com", "full_name": "Once", "role": "readonly", "setup": "invite"})
    link = re.search(r"http://testserver(/accounts/invitation/\S+)", mail.outbox[0].body).group(1)
    visitor = Client()
    url = visitor.get(link, follow=True).redirect_chain[-1][0]
    visitor.post(url, {"new_password1": "A-much-better-pass-77", "new_password2": "A-much-better-pass-77"})
    again = Client().get(link, follow=True)
    assert b"expired" in again.content


def test_creating_a_user_with_a_weak_password_changes_nothing(owner_client):
    response = owner_client.post(USERS, {"email": "weak@example.com", "full_name": "Weak", "role": "readonly", "setup": "password", "password": "12345"})
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()


def test_an_invalid_form_is_shown_again_with_messages(owner_client):
    response = owner_client.post(USERS, {"email": "not-an-email", "full_name": "", "role": "boss", "setup": "invite"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid email address" in html and "Select a valid choice" in html


def test_a_user_of_another_environment_is_added_without_touching_their_password(owner_client, world_b, django_capture_on_commit_callbacks):
    existing = world_b.viewer.user
    old_hash = existing.password
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(USERS, {"email": existing.email, "full_name": "Ignored", "role": "readonly", "setup": "password", "password": "Another-pass-1234"})
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.password == old_hash
    assert mail.outbox == []
    with scope.disabled():
        assert Membership.objects.filter(user=existing).count() == 2


def test_adding_an_existing_member_again_is_a_clear_error(owner_client, world_a):
    response = owner_client.post(USERS, {"email": world_a.viewer.user.email, "full_name": "X", "role": "admin", "setup": "invite"})
    assert response.status_code == 400
    assert "already has an account in this environment" in response.content.decode()


def test_changing_a_role_is_logged_with_before_and_after(owner_client, world_a):
    response = owner_client.post(_user_url(world_a.viewer, "role/"), {"role": "accountant"})
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        world_a.viewer.refresh_from_db()
        assert world_a.viewer.role == "accountant"
        event = Event.objects.get(action="user.role_changed")
    assert event.before["role"] == "readonly" and event.after["role"] == "accountant"
    assert event.actor == world_a.owner.user.email


def test_the_last_administrator_cannot_lose_the_role(owner_client, world_a):
    response = owner_client.post(_user_url(world_a.owner, "role/"), {"role": "readonly"})
    assert response.status_code == 400
    assert "at least one active administrator" in response.content.decode()
    with scope.activate(world_a.tenant):
        world_a.owner.refresh_from_db()
    assert world_a.owner.role == "admin"


def test_deactivating_a_user_removes_access_and_revokes_their_keys(owner_client, world_a):
    accountant = client_for(world_a.accountant)
    response = owner_client.post(_user_url(world_a.accountant, "active/"), {"active": "0"})
    assert response.status_code == 302
    assert accountant.get("/alpha/").status_code == 404
    with scope.activate(world_a.tenant):
        world_a.api_key.refresh_from_db()
    assert world_a.api_key.status == "revoked"
    owner_client.post(_user_url(world_a.accountant, "active/"), {"active": "1"})
    assert accountant.get("/alpha/").status_code == 200


def test_an_admin_cannot_deactivate_themselves(owner_client, world_a):
    response = owner_client.post(_user_url(world_a.owner, "active/"), {"active": "0"}, follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    assert owner_client.get("/alpha/").status_code == 200


def test_signing_in_with_a_deactivated_membership_shows_no_environment(world_a, client):
    with scope.activate(world_a.tenant):
        from finance.accounts.services import membership_deactivate

        membership_deactivate(membership=world_a.viewer, actor=world_a.owner.user)
    client.post(reverse("accounts:login"), {"username": world_a.viewer.user.email, "password": PASSWORD})
    page = client.get(reverse("environments")).content.decode()
    assert "no environment yet" in page


def test_a_deactivation_request_that_does_not_say_which_changes_nothing(owner_client, world_a):
    response = owner_client.post(_user_url(world_a.viewer, "active/"), {}, follow=True)
    assert "Nothing was changed" in response.content.decode()
    with scope.activate(world_a.tenant):
        world_a.viewer.refresh_from_db()
    assert world_a.viewer.is_active


def test_a_pending_invitation_can_be_sent_again(owner_client, world_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(USERS, {"email": "late@example.com", "full_name": "Late", "role": "readonly", "setup": "invite"})
    with scope.activate(world_a.tenant):
        membership = Membership.objects.get(user__email="late@example.com")
    assert "Resend invitation" in owner_client.get(_user_url(membership)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(_user_url(membership, "invite/"), follow=True)
    assert "A new invitation was sent" in response.content.decode()
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["late@example.com"]


def test_no_invitation_goes_to_someone_who_already_has_a_password(owner_client, world_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(_user_url(world_a.viewer, "invite/"), follow=True)
    assert "already chosen a password" in response.content.decode()
    assert mail.outbox == []
