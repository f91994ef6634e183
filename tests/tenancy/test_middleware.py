import pytest
from django.urls import reverse

from finance.accounts import services
from finance.tenancy import scope

from ..conftest import client_for
from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_member_reaches_their_environment(owner_client, world_a):
    response = owner_client.get(reverse("dashboard", kwargs={"tenant_slug": "alpha"}))
    assert response.status_code == 200
    assert b"Alpha Trust" in response.content


def test_an_unknown_slug_and_someone_elses_environment_give_the_same_404(outsider_client):
    unknown = outsider_client.get("/no-such-environment/")
    foreign = outsider_client.get("/alpha/")
    assert unknown.status_code == foreign.status_code == 404
    assert b"Alpha Trust" not in foreign.content


def test_a_deactivated_member_gets_404(world_a):
    client = client_for(world_a.viewer)
    with scope.activate(world_a.tenant):
        services.membership_deactivate(membership=world_a.viewer, actor=world_a.owner.user)
    assert client.get("/alpha/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, world_a):
    response = client.get("/alpha/users/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/alpha/users/"


def test_home_goes_straight_to_the_only_environment(owner_client):
    response = owner_client.get("/")
    assert response["Location"] == "/alpha/"


def test_a_user_of_several_environments_chooses_and_can_switch(world_a, world_b):
    MembershipFactory(tenant=world_b.tenant, user=world_a.owner.user)
    client = client_for(world_a.owner)
    assert client.get("/")["Location"] == reverse("environments")
    chooser = client.get(reverse("environments")).content.decode()
    assert "Alpha Trust" in chooser and "Bravo Academy" in chooser
    page = client.get("/bravo/").content.decode()
    assert 'href="/alpha/"' in page and 'href="/bravo/"' in page  # the switcher
    assert client.get("/bravo/").status_code == 200


def test_the_switcher_lists_only_the_users_environments(owner_client):
    page = owner_client.get("/alpha/").content.decode()
    assert "Bravo Academy" not in page


def test_a_member_without_the_permission_gets_403_not_404(viewer_client):
    response = viewer_client.get("/alpha/users/")
    assert response.status_code == 403
    assert b"does not allow" in response.content


def test_pages_carry_a_content_security_policy_and_no_inline_script(owner_client):
    response = owner_client.get("/alpha/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> would be blocked by the CSP"
    assert " style=" not in html, "inline style attributes would be blocked by the CSP"
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
