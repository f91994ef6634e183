import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/alpha/quick-launch/"


def test_typing_a_prefix_and_pressing_enter_opens_the_page(owner_client):
    response = owner_client.get(URL, {"q": "Interf"})
    assert response.status_code == 302
    assert response["Location"] == reverse("interfaces:list", kwargs={"tenant_slug": "alpha"})


def test_htmx_gets_the_list_of_matches_only(owner_client):
    response = owner_client.get(URL, {"q": "user"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "User accounts" in html and "<html" not in html


def test_keywords_match_too(owner_client):
    response = owner_client.get(URL, {"q": "api keys"})
    assert response["Location"] == reverse("accounts:users", kwargs={"tenant_slug": "alpha"})


def test_pages_the_role_may_not_open_are_not_offered(viewer_client):
    response = viewer_client.get(URL, {"q": "user"}, headers={"HX-Request": "true"})
    assert "User accounts" not in response.content.decode()
    menu = viewer_client.get("/alpha/").content.decode()
    assert "Interfaces" in menu and "User accounts" not in menu


def test_no_match_says_so(owner_client):
    response = owner_client.get(URL, {"q": "zzzz"})
    assert response.status_code == 200
    assert "No page matches" in response.content.decode()


def test_pages_whose_url_does_not_exist_are_not_in_the_menu(owner_client, monkeypatch):
    from finance import navigation

    monkeypatch.setattr(navigation, "ENTRIES", navigation.ENTRIES + (
        navigation.Entry("Budget planner", "planner:list", "interfaces.view", "Finance"),))
    html = owner_client.get("/alpha/").content.decode()
    assert "Budget planner" not in html  # no such URL in this installation
    assert "Scheduler" in html and "User accounts" in html
