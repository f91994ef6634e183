import pytest
from django.test import Client, override_settings
from django.urls import reverse

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def _sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def test_a_member_signs_in_and_lands_in_their_environment(world_a, client):
    response = _sign_in(client, world_a.owner.user.email, PASSWORD)
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/alpha/"


def test_the_email_is_not_case_sensitive(world_a, client):
    response = _sign_in(client, world_a.owner.user.email.upper(), PASSWORD)
    assert response.status_code == 302


def test_a_wrong_password_shows_the_form_again_with_a_message(world_a, client):
    response = _sign_in(client, world_a.owner.user.email, "wrong")
    assert response.status_code == 200
    assert "do not match an active account" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_even_against_the_right_password(world_a, client):
    email = world_a.owner.user.email
    for _ in range(3):
        assert _sign_in(client, email, "wrong").status_code == 200
    response = _sign_in(client, email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_failures_from_one_address_lock_that_address_for_every_account(world_a, client):
    for n in range(3):
        _sign_in(client, f"nobody{n}@example.com", "wrong")
    response = _sign_in(client, world_a.viewer.user.email, PASSWORD)
    assert response.status_code == 429
    other_address = Client(REMOTE_ADDR="10.9.8.7")
    assert _sign_in(other_address, world_a.viewer.user.email, PASSWORD).status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_success_clears_the_count_for_that_account(world_a, client):
    email = world_a.owner.user.email
    _sign_in(client, email, "wrong")
    _sign_in(client, email, "wrong")
    assert _sign_in(Client(REMOTE_ADDR="10.1.1.1"), email, PASSWORD).status_code == 302
    assert _sign_in(Client(REMOTE_ADDR="10.1.1.2"), email, "wrong").status_code == 200
    assert _sign_in(Client(REMOTE_ADDR="10.1.1.3"), email, PASSWORD).status_code == 302


def test_logout_is_a_post_and_ends_the_session(owner_client):
    assert owner_client.get(reverse("accounts:logout")).status_code == 405
    response = owner_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert owner_client.get("/alpha/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused_with_403_and_changes_nothing(world_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world_a.owner.user)
    response = client.post("/alpha/users/", {"email": "new@example.com", "full_name": "New", "role": "readonly", "setup": "invite"})
    assert response.status_code == 403
    assert "nothing was changed" in response.content.decode()
    from finance.accounts.models import User

    assert not User.objects.filter(email="new@example.com").exists()


def test_a_signed_in_user_visiting_login_goes_home(owner_client):
    assert owner_client.get(LOGIN).status_code == 302
