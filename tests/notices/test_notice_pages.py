"""The bell, the Notices page, opening a notice and marking all read: each user sees only their own
notices of the environment they are in."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from finance.notices.context_processors import notices as notices_context
from finance.notices.models import Notice
from finance.notices.services import notice_create, notice_mark_read, notices_mark_all_read
from finance.tenancy import scope
from finance.tenancy.roles import Role

from ..conftest import client_for
from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _add(world, user=None, n=1, **kwargs):
    kwargs.setdefault("title", "Contact import: succeeded")
    kwargs.setdefault("url", "/alpha/imports/")
    with scope.disabled():
        return [notice_create(tenant=world.tenant, user=user or world.owner.user, **kwargs) for _ in range(n)]


def _open_url(notice):
    return reverse("notices:open", kwargs={"tenant_slug": notice.tenant.slug, "notice_id": notice.uuid})


def _reload(notice):
    with scope.disabled():
        return Notice.objects.get(pk=notice.pk)


def test_the_bell_shows_the_unread_count_of_this_environment(owner_client, world_a, world_b):
    html = owner_client.get("/alpha/").content.decode()
    assert 'id="notices-toggle"' in html and 'aria-label="Notices, 1 unread"' in html
    _add(world_a, n=2)
    # The same user's notices in another environment do not count here.
    MembershipFactory(tenant=world_b.tenant, user=world_a.owner.user, role=Role.ADMIN)
    _add(world_b, user=world_a.owner.user, n=5)
    html = owner_client.get("/alpha/").content.decode()
    assert 'aria-label="Notices, 3 unread"' in html and '<span class="badge rounded-pill text-bg-danger" id="notices-unread">3</span>' in html
    assert 'aria-label="Notices, 5 unread"' in owner_client.get("/bravo/").content.decode()


def test_a_user_without_unread_notices_sees_a_plain_bell(viewer_client, world_a):
    html = viewer_client.get("/alpha/").content.decode()
    assert 'aria-label="Notices"' in html and 'id="notices-unread"' not in html


def test_there_is_no_bell_outside_an_environment(owner_client):
    assert 'id="notices-toggle"' not in owner_client.get(reverse("environments")).content.decode()


def test_the_count_costs_one_query_and_none_when_no_page_shows_it(world_a, django_assert_num_queries):
    request = RequestFactory().get("/alpha/")
    request.user, request.tenant, request.membership = world_a.owner.user, world_a.tenant, world_a.owner
    with scope.activate(world_a.tenant):
        with django_assert_num_queries(0):
            context = notices_context(request)
        with django_assert_num_queries(1):
            assert context["unread_notices"]() == 1 and context["unread_notices"]() == 1
    request.tenant = request.membership = None
    assert notices_context(request) == {}


def test_the_page_lists_only_my_notices_in_this_environment_newest_first(owner_client, world_a, world_b):
    _add(world_a, title="Bank import: failed", level="danger")
    _add(world_a, user=world_a.viewer.user, title="Somebody else's run")
    html = owner_client.get("/alpha/notices/").content.decode()
    assert html.index("Bank import: failed") < html.index("Contact import: succeeded")
    assert "Somebody else&#x27;s run" not in html and "Somebody else's run" not in html
    assert html.count('class="badge text-bg-primary ms-1">Unread<') == 2


def test_the_page_is_paginated(owner_client, world_a):
    _add(world_a, n=30, title="Many")
    first = owner_client.get("/alpha/notices/").content.decode()
    second = owner_client.get("/alpha/notices/", {"page": 2}).content.decode()
    assert first.count(">Many</button>") == 25 and "Page 1 of 2" in first
    assert second.count(">Many</button>") == 5 and "Contact import: succeeded" in second


def test_the_bell_menu_lists_recent_notices_with_their_forms(owner_client, world_a):
    notice = world_a.finance["notice"]
    response = owner_client.get("/alpha/notices/", {"part": "menu"},
                                headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/alpha/imports/"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'action="{_open_url(notice)}"' in html and "Contact import: succeeded" in html
    assert 'name="next" value="/alpha/imports/"' in html and "All notices" in html


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(owner_client, world_a):
    notice = world_a.finance["notice"]
    response = owner_client.post(_open_url(notice))
    assert response.status_code == 302 and response["Location"] == notice.url
    first_read = _reload(notice).read_at
    assert first_read is not None
    owner_client.post(_open_url(notice))
    assert _reload(notice).read_at == first_read  # the first reading is kept
    assert 'aria-label="Notices"' in owner_client.get("/alpha/").content.decode()


def test_opening_needs_a_post(owner_client, world_a):
    notice = world_a.finance["notice"]
    assert owner_client.get(_open_url(notice)).status_code == 405
    assert _reload(notice).read_at is None


def test_another_users_notice_is_404_and_stays_unread(viewer_client, world_a):
    notice = world_a.finance["notice"]  # the owner's
    assert viewer_client.post(_open_url(notice)).status_code == 404
    assert _reload(notice).read_at is None


def test_another_environments_notice_is_404_even_for_its_own_user(world_a, world_b):
    # The owner of B is also a member of A; B's notice under A's slug is not found.
    MembershipFactory(tenant=world_a.tenant, user=world_b.owner.user, role=Role.READ_ONLY)
    client = client_for(world_b.owner)
    notice = world_b.finance["notice"]
    url = reverse("notices:open", kwargs={"tenant_slug": "alpha", "notice_id": notice.uuid})
    assert client.post(url).status_code == 404
    assert _reload(notice).read_at is None
    assert client.post(_open_url(notice)).status_code == 302  # under its own environment's slug


def test_an_outsider_gets_404(outsider_client, world_a):
    assert outsider_client.get("/alpha/notices/").status_code == 404
    assert outsider_client.post(_open_url(world_a.finance["notice"])).status_code == 404
    assert outsider_client.post("/alpha/notices/read/").status_code == 404


def test_a_stored_url_that_is_not_a_local_path_is_never_followed(owner_client, world_a):
    with scope.disabled():
        notice = Notice.objects.create(tenant=world_a.tenant, user=world_a.owner.user, title="Odd", url="https://evil.example/")
    response = owner_client.post(_open_url(notice))
    assert response["Location"] == "/alpha/notices/"


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                                 "alpha/runs/", "/alpha/\nSet-Cookie: x"])
def test_a_notice_may_only_lead_to_a_local_path(world_a, url):
    with pytest.raises(ValidationError):
        _add(world_a, url=url)


def test_mark_all_read_touches_only_my_notices_in_this_environment(owner_client, world_a, world_b):
    _add(world_a, n=2)
    (others,) = _add(world_a, user=world_a.viewer.user)
    response = owner_client.post("/alpha/notices/read/", {"next": "/alpha/imports/"})
    assert response.status_code == 302 and response["Location"] == "/alpha/imports/"
    with scope.disabled():
        assert not Notice.objects.filter(tenant=world_a.tenant, user=world_a.owner.user, read_at__isnull=True).exists()
        assert Notice.objects.get(pk=others.pk).read_at is None
        assert Notice.objects.get(pk=world_b.finance["notice"].pk).read_at is None
    assert "No unread notices." in owner_client.post("/alpha/notices/read/", follow=True).content.decode()


def test_mark_all_read_never_redirects_off_site(owner_client, world_a):
    response = owner_client.post("/alpha/notices/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/alpha/notices/"


def test_the_services_refuse_another_users_notice(world_a):
    notice = world_a.finance["notice"]
    with scope.activate(world_a.tenant):
        with pytest.raises(ValidationError):
            notice_mark_read(notice=notice, user=world_a.viewer.user)
        assert notices_mark_all_read(tenant=world_a.tenant, user=world_a.viewer.user) == 0
        assert notices_mark_all_read(tenant=world_a.tenant, user=world_a.owner.user) == 1
