"""The canary beyond the Vault's own pages: a connector run that uses the secret (its run page,
messages, produced file, the run_interface output), the server log, and the exception report of
a request that fails while it holds a value. The canary must appear in none of them."""

import io
import json
import logging

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.views.debug import ExceptionReporter

from finance.audit.models import Event
from finance.tenancy import scope
from interfaces import kinds
from interfaces.kinds import Kind
from interfaces.models import ImportFile, Run
from vault import crypto
from vault.models import VaultEntry
from vault.services import vault_entry_create, vault_entry_update

from ..conftest import client_for
from ..factories import PASSWORD, InterfaceFactory

CANARY = "CANARY-41c9d0e2-never-show-me"

pytestmark = pytest.mark.django_db


class Connector(Kind):
    """Signs in to a remote system with a vault secret, reports, and (on request) fails."""

    key = "test_connector"
    label = "Test connector"
    vault_types = ("api_key",)
    options = {"entry": (str, "Canary"), "fail": (bool, False)}

    def execute(self, ctx):
        token = ctx.secret(ctx.options["entry"], purpose="sign in")
        ctx.info(f"Signed in with a token of {len(token)} characters")
        ctx.produce_file("sign-in report.txt", f"Token length {len(token)}\n".encode())
        if ctx.options["fail"]:
            raise RuntimeError("the remote system refused the request")


@pytest.fixture
def connector():
    kind = kinds.register(Connector)
    yield kind
    kinds.unregister(kind.key)


@pytest.fixture
def canary(world_a):
    with scope.activate(world_a.tenant):
        return vault_entry_create(tenant=world_a.tenant, actor=world_a.owner.user, name="Canary", type="api_key",
                                  description="canary entry", value=CANARY, password=PASSWORD)


def _run(*options):
    out = io.StringIO()
    args = ["--tenant", "alpha", "--interface", "Connector", "--json"]
    for option in options:
        args += ["--option", option]
    try:
        call_command("run_interface", *args, stdout=out)
    except SystemExit:
        pass
    return out.getvalue(), json.loads(out.getvalue())


def _body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_connector_run_uses_the_secret_and_leaks_it_nowhere(world_a, connector, canary, caplog):
    interface = InterfaceFactory(tenant=world_a.tenant, kind="test_connector", description="Connector")
    with caplog.at_level(logging.DEBUG):
        ok_text, ok = _run()
        failed_text, failed = _run("fail=true")
    assert ok["status"] == "succeeded" and failed["status"] == "failed"
    assert "failed unexpectedly" in caplog.text, "the log was captured: the traceback is there"
    for text in (ok_text, failed_text, caplog.text):
        assert CANARY not in text

    with scope.activate(world_a.tenant):
        runs = list(Run.objects.filter(interface=interface).order_by("id"))
        reads = list(Event.objects.filter(action="vault.secret_read", object_uuid=str(canary.uuid)).order_by("id"))
        files = list(ImportFile.objects.filter(run__in=runs))
        events = list(Event.objects.all())
        assert VaultEntry.objects.get(pk=canary.pk).last_used_at is not None
    assert "unexpected error" in runs[1].message
    # Every decryption is in the Event log: which interface, which run.
    assert [(e.interface_id, e.run_ref) for e in reads] == [(interface.pk, str(r.uuid)) for r in runs]
    assert len(files) == 2
    for record in files:
        with default_storage.open(record.stored_name, "rb") as handle:
            assert CANARY.encode() not in handle.read()
    for event in events:
        for text in (event.message, repr(event.before), repr(event.after), event.object_repr):
            assert CANARY not in text, event.action

    client = client_for(world_a.owner)
    slug = world_a.tenant.slug
    urls = [reverse("interfaces:run", kwargs={"tenant_slug": slug, "run_id": r.uuid}) for r in runs]
    urls += [reverse("interfaces:run_messages_csv", kwargs={"tenant_slug": slug, "run_id": r.uuid}) for r in runs]
    urls += [reverse("interfaces:file_download", kwargs={"tenant_slug": slug, "importfile_id": f.uuid}) for f in files]
    urls += [reverse("audit:event", kwargs={"tenant_slug": slug, "event_id": e.uuid}) for e in reads]
    urls += [reverse("audit:events", kwargs={"tenant_slug": slug}) + "?format=csv"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert CANARY.encode() not in _body(response), url


def test_a_connector_may_read_only_the_entry_types_it_names(world_a, connector, canary):
    InterfaceFactory(tenant=world_a.tenant, kind="test_connector", description="Connector")
    with scope.activate(world_a.tenant):
        vault_entry_update(entry=canary, actor=world_a.owner.user, type="generic", description="canary entry")
    _, result = _run()
    assert result["status"] == "failed"
    with scope.activate(world_a.tenant):
        run = Run.objects.get(interface__description="Connector")
        assert not Event.objects.filter(action="vault.secret_read").exists()
    assert run.message == "Vault entry 'Canary' is of type Generic; Test connector may use only entries of type API key."
    _, result = _run("entry=Missing")
    with scope.activate(world_a.tenant):
        run = Run.objects.filter(interface__description="Connector").latest("id")
    assert run.message == "There is no vault entry called 'Missing' in this environment."


class _Broken:
    def __init__(self, key):
        pass

    def encrypt(self, nonce, data, aad):
        raise RuntimeError("the cipher failed")


@pytest.mark.parametrize("page", ["new", "value"])
def test_the_exception_report_of_a_failing_vault_form_shows_no_secret(world_a, monkeypatch, page):
    """Django's error report (the page in DEBUG, the admins' e-mail) shows POST data and every
    frame's local variables; the Vault's views, services and crypto hide theirs."""
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.ERROR)
    logging.getLogger("django.request").addHandler(handler)
    monkeypatch.setattr(crypto, "AESGCM", _Broken)
    client = client_for(world_a.owner)
    client.raise_request_exception = False
    kwargs = {"tenant_slug": "alpha"}
    if page == "value":
        kwargs["vaultentry_id"] = world_a.finance["vault_entry"].uuid
    try:
        response = client.post(reverse(f"vault:{page}", kwargs=kwargs),
                               {"name": "Canary", "type": "api_key", "value": CANARY, "password": PASSWORD})
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response.status_code == 500
    assert CANARY.encode() not in response.content
    record = next(r for r in records if r.exc_info)
    reporter = ExceptionReporter(record.request, *record.exc_info, is_email=True)
    text, html = reporter.get_traceback_text(), reporter.get_traceback_html()
    assert "the cipher failed" in text and "encrypt" in text, "a real report, with the failing frame"
    for report in (text, html, record.getMessage()):
        assert CANARY not in report
        assert PASSWORD not in report
