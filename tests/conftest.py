"""Actors shared by the suite: two populated tenants, and in tenant A an owner (admin), an
accountant and a read-only member; the outsider is the admin of tenant B, who must get 404 on
everything of tenant A."""

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from finance.accounts.models import SavedView
from finance.audit.services import event_record
from finance.catalog.models import Feature, Mapping, MappingType
from finance.notices.services import notice_create
from interfaces.models import Run
from interfaces.services import import_file_store
from finance.tenancy import scope
from finance.tenancy.roles import Role
from scheduler.models import ScheduledTask
from vault.services import vault_entry_create

from .contacts.factories import ContactAccountFactory, NoteFactory
from .factories import (
    PASSWORD,
    ApiKeyFactory,
    ArchiveDocumentFactory,
    BankStatementLineFactory,
    DocumentFactory,
    InterfaceFactory,
    LegalEntityFactory,
    MembershipFactory,
    NominalAccountFactory,
    TenantFactory,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    # Files stored by a test (the Imports folder) go to a temporary folder, never under var/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _clean_cache():
    # Login throttling counts live in the cache; no test may inherit another's failures.
    cache.clear()
    yield
    cache.clear()


@dataclass
class TenantWorld:
    tenant: object
    owner: object
    accountant: object
    viewer: object
    api_key: object
    interface: object
    contact: object
    note: object
    finance: dict


def _populate_finance(tenant):
    """One of each finance object the pages show, so the isolation sweep can address them."""
    entity = LegalEntityFactory(tenant=tenant)
    with scope.disabled():
        event = event_record(tenant=tenant, action="test.populated", message=f"{tenant.slug} populated")
    line = BankStatementLineFactory(statement__bank_account__legal_entity=entity)
    return {
        "legal_entity": entity,
        "document": DocumentFactory(legal_entity=entity),
        "nominal": NominalAccountFactory(tenant=tenant),
        "bank_line": line,
        "statement": line.statement,
        "bank_account": line.bank_account,
        "archive": ArchiveDocumentFactory(legal_entity=entity),
        "event": event,
    }


def _populate(name, slug):
    tenant = TenantFactory(name=name, slug=slug)
    owner = MembershipFactory(tenant=tenant, role=Role.ADMIN)
    accountant = MembershipFactory(tenant=tenant, role=Role.ACCOUNTANT)
    viewer = MembershipFactory(tenant=tenant, role=Role.READ_ONLY)
    api_key = ApiKeyFactory(membership=accountant)
    interface = InterfaceFactory(tenant=tenant, description="Contact import")
    contact = ContactAccountFactory(tenant=tenant, code="ACME-STAT")
    note = NoteFactory(contact=contact)
    finance = _populate_finance(tenant)
    with scope.disabled():
        finance["run"] = Run.objects.create(tenant=tenant, interface=interface, trigger="browser", status="succeeded", rows=2, created=2)
        finance["file"] = import_file_store(
            tenant=tenant, interface=interface, kind="input", name=f"{slug}-contacts.csv", content=b"code\nACME\n", actor=None
        )
        # The owner's own set of the Event log, so the sweep can address the Sets URLs.
        finance["saved_view"] = SavedView.objects.create(
            tenant=tenant, user=owner.user, list_key="events", name="Errors", path=f"/{slug}/events/",
            query="severity=error", columns=["at", "action", "message"],
        )
        # The catalog: one feature, one mapping type with one row.
        finance["feature"] = Feature.objects.create(tenant=tenant, key="cin7", enabled=True)
        finance["mapping_type"] = MappingType.objects.create(
            tenant=tenant, source_system="Cin7", key="country", name="Country", destination="country")
        finance["mapping"] = Mapping.objects.create(
            tenant=tenant, type=finance["mapping_type"], source_value="United Kingdom", destination_code="GB")
        # The Scheduler: one task on the world's interface.
        finance["scheduled_task"] = ScheduledTask.objects.create(
            tenant=tenant, description="Nightly contact import", interface=interface,
            pattern={"kind": "daily", "time": "02:00", "tz": "Europe/London"}, owner=owner.user,
        )
        finance["notice"] = notice_create(
            tenant=tenant, user=owner.user, level="success", title="Contact import: succeeded",
            url=f"/{slug}/runs/{finance['run'].uuid}/",
        )
    with scope.activate(tenant):
        finance["vault_entry"] = vault_entry_create(
            tenant=tenant, actor=owner.user, name="Cin7 API key", type="cin7", description="Cin7 Core",
            value=f"{slug}-vault-secret-value", password=PASSWORD,
        )
    return TenantWorld(tenant, owner, accountant, viewer, api_key, interface, contact, note, finance)


@pytest.fixture
def world_a(db):
    return _populate("Alpha Trust", "alpha")


@pytest.fixture
def world_b(db):
    # Same descriptions as tenant A on purpose: a lookup that forgets the tenant finds the wrong row.
    return _populate("Bravo Academy", "bravo")


def client_for(membership):
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def owner_client(world_a):
    return client_for(world_a.owner)


@pytest.fixture
def accountant_client(world_a):
    return client_for(world_a.accountant)


@pytest.fixture
def viewer_client(world_a):
    return client_for(world_a.viewer)


@pytest.fixture
def outsider_client(world_a, world_b):
    return client_for(world_b.owner)


@pytest.fixture
def in_tenant():
    """Use as `with in_tenant(tenant):` to read tenant-owned rows in a test."""
    return scope.activate
