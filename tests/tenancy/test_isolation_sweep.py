"""Every URL that takes a tenant slug or an object id, found by walking the URL configuration,
must answer an outsider with 404. New URL patterns are covered without editing this file; a
pattern whose arguments this sweep cannot fill makes it fail, so it cannot be skipped silently."""

import re
import uuid

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from finance.tenancy import scope

from ..conftest import client_for

CSRF = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+')


def _patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full = ":".join(filter(None, [namespace, ns])) if ns else namespace
            yield from _patterns(entry, full)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, _route_kwargs(entry)


def _route_kwargs(entry):
    return sorted(entry.pattern.converters)


def _tenant_models():
    return {
        m._meta.model_name: m
        for m in apps.get_models()
        if any(f.name == "tenant" for f in m._meta.fields) and any(f.name == "uuid" for f in m._meta.fields)
    }


def _swept():
    result = []
    for name, kwargs in _patterns():
        if "tenant_slug" in kwargs or any(k.endswith("_id") for k in kwargs):
            result.append((name, kwargs))
    return result


SWEPT = _swept()


def test_the_sweep_finds_the_tenant_urls():
    names = {name for name, _ in SWEPT}
    assert {"dashboard", "accounts:users", "accounts:user", "accounts:api_key_revoke", "interfaces:list"} <= names


# URL arguments that name something other than an object of the tenant.
PLAIN_VALUES = {"list_key": "events", "format_key": "contacts"}


def _objects_for(kwargs, tenant):
    models_by_name = _tenant_models()
    objects = {}
    with scope.disabled():
        for kwarg in kwargs:
            if kwarg == "tenant_slug" or kwarg in PLAIN_VALUES:
                continue
            model_name = kwarg.removesuffix("_id").replace("_", "")
            model = models_by_name.get(model_name)
            assert model is not None, f"the isolation sweep cannot fill URL argument {kwarg!r}; name it <model>_id"
            obj = model._base_manager.filter(tenant=tenant).first()
            assert obj is not None, f"the world fixture has no {model.__name__} in {tenant.slug}; add one"
            objects[kwarg] = obj
        # Nested URLs (a key under its user): take the parent the child really belongs to.
        for parent_kwarg, parent in list(objects.items()):
            for child_kwarg, child in objects.items():
                if child_kwarg == parent_kwarg:
                    continue
                for field in child._meta.fields:
                    if isinstance(field, models.ForeignKey) and field.related_model is type(parent) and getattr(child, field.name):
                        objects[parent_kwarg] = getattr(child, field.name)
    return objects


def _url(name, kwargs, tenant, objects):
    values = {k: PLAIN_VALUES[k] if k in PLAIN_VALUES else objects[k].uuid for k in kwargs if k != "tenant_slug"}
    if "tenant_slug" in kwargs:
        values["tenant_slug"] = tenant.slug
    return reverse(name, kwargs=values)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), SWEPT, ids=[n for n, _ in SWEPT])
def test_an_outsider_gets_404_everywhere(name, kwargs, world_a, world_b):
    objects = _objects_for(kwargs, world_a.tenant)
    url = _url(name, kwargs, world_a.tenant, objects)

    owner = client_for(world_a.owner)
    assert owner.get(url).status_code != 404, f"{url} is not a real page for its owner; the sweep is broken"

    outsider = client_for(world_b.owner)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {}).status_code == 404
    assert outsider.get(url, headers={"HX-Request": "true"}).status_code == 404


# Only URLs that address an object: a plain argument (a format's name) is the same in every tenant.
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), [s for s in SWEPT if set(s[1]) - {"tenant_slug"} - set(PLAIN_VALUES)])
def test_another_tenants_id_looks_exactly_like_a_missing_one(name, kwargs, world_a, world_b):
    foreign = _objects_for(kwargs, world_a.tenant)
    url_foreign = _url(name, kwargs, world_b.tenant, foreign)
    missing = {k: type(o)(uuid=uuid.uuid4()) for k, o in foreign.items()}
    url_missing = _url(name, kwargs, world_b.tenant, missing)

    member_of_b = client_for(world_b.owner)
    statuses = set()
    for method in ("get", "post"):
        got_foreign = getattr(member_of_b, method)(url_foreign)
        got_missing = getattr(member_of_b, method)(url_missing)
        assert got_foreign.status_code == got_missing.status_code
        assert CSRF.sub(b"", got_foreign.content) == CSRF.sub(b"", got_missing.content)
        statuses.add(got_foreign.status_code)
    # A POST-only view may answer GET with 405 (the same for both); the method it takes says 404.
    assert 404 in statuses and statuses <= {404, 405}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), SWEPT, ids=[n for n, _ in SWEPT])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(name, kwargs, world_a, client):
    url = _url(name, kwargs, world_a.tenant, _objects_for(kwargs, world_a.tenant))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


JUNK = {
    "email": "not an address",
    "full_name": "x" * 500,
    "role": "superuser",
    "setup": "maybe",
    "password": "",
    "description": "",
    "validity_days": "-7",
    "nonce": "",
    "active": "perhaps",
    "q": "%00<script>",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), SWEPT, ids=[n for n, _ in SWEPT])
def test_no_page_answers_500_to_junk_input(name, kwargs, world_a):
    url = _url(name, kwargs, world_a.tenant, _objects_for(kwargs, world_a.tenant))
    owner = client_for(world_a.owner)
    # The test client re-raises any exception a view lets escape, so a 500 fails here loudly.
    for response in (
        owner.get(url, JUNK),
        owner.get(url, JUNK, headers={"HX-Request": "true"}),
        owner.post(url, JUNK),
        owner.post(url, {}),
    ):
        assert response.status_code < 500
