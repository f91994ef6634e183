"""seed_demo builds what shared/spec/demo-data.md describes, idempotently; --reset rebuilds it."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command

from finance.banking.models import BankAccount
from finance.contacts.models import ContactAccount
from finance.ledger import models as L
from finance.ledger.services import document_create, document_post
from finance.products.models import ProductGroup, UnitOfMeasure
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces.models import Interface

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="demo"), Tenant.objects.get(slug="harrier")


def _counts():
    with scope.disabled():
        return {
            m.__name__: m._base_manager.count()
            for m in apps.get_models()
            if any(f.name == "tenant" for f in m._meta.fields) and m.__name__ != "Event"
        }


def test_the_demo_environment_matches_the_spec(seeded):
    demo, harrier = seeded
    with scope.activate(demo):
        assert sorted(L.LegalEntity.objects.values_list("code", flat=True)) == ["KHA", "KLT", "KPA", "KTL"]
        assert L.Period.objects.count() == 36
        assert not L.PeriodStatus.objects.filter(period__year__code="2024/25", is_open=True).exists()
        assert L.PeriodStatus.objects.filter(period__year__code="2025/26", is_open=True).count() == 48
        assert L.NominalAccount.objects.filter(code="50100", requires_dimensions=True).exists()
        assert L.TaxBand.objects.get(code="STANDARD").rate == Decimal("20.00")
        assert L.ExchangeRate.objects.get(currency__code="EUR", effective_from="2025-09-01").rate == Decimal("1.170000")
        assert L.PaymentTerm.objects.get(is_default=True).code == "30D"
        assert sorted(L.DocumentType.objects.values_list("code", flat=True)) == ["JNSTD", "PCSTD", "PISTD", "SCSTD", "SISTD"]
        assert ContactAccount.objects.count() == 9
        acme = ContactAccount.objects.select_related("bank_account").get(code="ACME-STAT")
        assert acme.bank_account.sort_code == "40-99-11" and acme.tax_no == "GB999000101"
        assert ContactAccount.objects.get(code="P-EXAMPLE").contact_type == "P"
        assert Interface.objects.count() == 13
        assert BankAccount.objects.count() == 7
        euro = BankAccount.objects.select_related("statement_interface", "currency").get(code="BARC-KLT-EUR")
        assert euro.iban == "GB30DEMO20990110000003" and euro.currency.code == "EUR"
        assert euro.statement_interface.description == "CAMT.053 statement file"
        assert ProductGroup.objects.count() == 5 and UnitOfMeasure.objects.count() == 3
        for model in (L.Document, L.Posting, L.ArchiveDocument):
            assert model.objects.count() == 0, "the demo starts with no transactional data"
    with scope.activate(harrier):
        assert list(L.LegalEntity.objects.values_list("code", flat=True)) == ["HDA"]
        acme = ContactAccount.objects.get(code="ACME-STAT")
        assert acme.account_description == "Acme Harrier Supplies Ltd" and acme.tax_no == "GB999000901"
        assert sorted(Interface.objects.values_list("description", flat=True)) == ["Barclays.Net statement file", "Contact import"]
        assert BankAccount.objects.get().code == "BARC-HDA"


def test_a_second_run_changes_nothing(seeded):
    before = _counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "nothing changed" in out.getvalue()
    assert _counts() == before


def test_reset_rebuilds_even_with_posted_documents(seeded):
    demo, _ = seeded
    with scope.activate(demo):
        entity = L.LegalEntity.objects.get(code="KLT")
        journal = document_create(
            tenant=demo, actor=None, legal_entity=entity, doc_type=L.DocumentType.objects.get(code="JNSTD"),
            doc_date=date(2025, 10, 1),
            lines=[{"account": "21000", "net_amount": Decimal("10.00")}, {"account": "30900", "net_amount": Decimal("-10.00")}],
        )
        document_post(document=journal, actor=None)
        assert L.Posting.objects.count() == 2
    before = _counts()
    call_command("seed_demo", "--reset", stdout=io.StringIO())
    after = _counts()
    assert after["Posting"] == after["Document"] == 0
    assert {k: v for k, v in after.items() if k not in {"Posting", "Document", "DocumentLine"}} == {
        k: v for k, v in before.items() if k not in {"Posting", "Document", "DocumentLine"}
    }
    assert Tenant.objects.get(slug="demo").uuid != demo.uuid


def test_export_data_writes_the_seeded_contacts_as_csv_and_json(seeded, tmp_path):
    out = tmp_path / "contacts.csv"
    call_command("export_data", "--tenant", "demo", "contacts", "--output", str(out))
    text = out.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf") and b"\r\n" in text
    lines = text.decode("utf-8-sig").splitlines()
    assert len(lines) == 10 and lines[1].startswith("n,y,n,n,n,ACME-STAT,")
    json_out = tmp_path / "contacts.json"
    call_command("export_data", "--tenant", "demo", "contacts", "--format", "json", "--output", str(json_out))
    rows = json.loads(json_out.read_text())
    assert [r["code"] for r in rows][:2] == ["ACME-STAT", "CONTOSO-EN"]
    assert rows[0]["contact.phone"] == "01632 960001" and list(rows[0])[5] == "code"


def test_export_data_refuses_an_unknown_environment(seeded):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown environment 'nope'") as info:
        call_command("export_data", "--tenant", "nope", "contacts")
    assert info.value.returncode == 2


def test_the_demo_interfaces_have_their_batch_series_and_configuration(seeded):
    from interfaces.models import Interface

    demo, harrier = seeded
    with scope.activate(demo):
        interfaces = {i.description: i for i in Interface.objects.select_related("batch_series")}
        assert len(interfaces) == 13
        assert interfaces["Contact import"].batch_series.code == "IMPORT"
        assert interfaces["Barclays.Net statement file"].batch_series.code == "BANK"
        assert interfaces["Barclays.Net statement file"].date_format == "dd/MM/yy"
        assert interfaces["Co-op Bank statement text file"].date_format == "yyMMdd"
        assert interfaces["Notes import"].datetime_format == "dd/MM/yyyy HH:mm"
        custom = interfaces["Bank statement CSV (custom)"].config
        assert custom["bank_account"] == "DEMO-KHA-SAV" and custom["map.indicator"] == "Dr/Cr"
        assert interfaces["Cin7"].batch_series.code == "RUN"


def test_the_demo_scheduled_tasks_are_created_disabled(seeded):
    from scheduler.models import ScheduledTask

    demo, harrier = seeded
    with scope.activate(demo):
        tasks = {t.description: t for t in ScheduledTask.objects.select_related("interface")}
    assert sorted(tasks) == ["Hourly Cin7 sync", "Nightly IMP Planner sync"]
    imp, cin7 = tasks["Nightly IMP Planner sync"], tasks["Hourly Cin7 sync"]
    assert (imp.interface.description, imp.pattern_text) == ("IMP Planner", "Every day at 02:00 (Europe/London)")
    assert (cin7.interface.description, cin7.pattern_text) == ("Cin7", "Every hour at minute 15 (Europe/London)")
    assert not imp.enabled and not cin7.enabled and imp.next_execution is None
    assert "vault entries" in imp.disabled_reason
    assert imp.owner.email == cin7.owner.email == "admin@kestrel-demo.example"
    with scope.activate(harrier):
        assert not ScheduledTask.objects.exists()


def _vault(tenant):
    from vault.models import VaultEntry
    from vault.services import vault_secret_read

    with scope.activate(tenant):
        return {e.name: (e.type, vault_secret_read(entry=e, purpose="test")) for e in VaultEntry.objects.all()}


def test_the_demo_vault_entries_hold_the_placeholders_and_a_live_integration_key(monkeypatch, caplog):
    from finance.accounts.models import ApiKey
    from finance.accounts.services import api_key_authenticate

    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    out = io.StringIO()
    with caplog.at_level("DEBUG"):
        call_command("seed_demo", stdout=out)
    demo, harrier = Tenant.objects.get(slug="demo"), Tenant.objects.get(slug="harrier")
    entries = _vault(demo)
    assert sorted(entries) == ["Cin7 app key", "Cin7 iplicit API key", "IMP API key", "IMP bearer token"]
    assert entries["IMP bearer token"] == ("imp_planner", "demo-imp-bearer-0001")
    assert entries["Cin7 app key"] == ("cin7", "0de00000-0000-4000-8000-00000000a001")
    (cin7_type, raw), (imp_type, imp_raw) = entries["Cin7 iplicit API key"], entries["IMP API key"]
    assert (cin7_type, imp_type) == ("cin7", "api_key") and raw == imp_raw
    key = api_key_authenticate(raw, tenant=demo)
    assert key is not None and key.membership.user.email == "integration@kestrel-demo.example"
    assert key.description == "Demo integrations" and 364 <= (key.expires_at - key.created_at).days <= 365
    with scope.activate(demo):
        assert ApiKey.objects.count() == 1
    assert _vault(harrier) == {}, "the second environment has no vault entries"
    # No secret value reaches the command's output or the log.
    for secret in (raw, "demo-imp-bearer-0001", "0de00000-0000-4000-8000-00000000a001"):
        assert secret not in out.getvalue() and secret not in caplog.text


def test_a_second_run_keeps_the_live_key_and_an_expired_one_is_replaced(seeded):
    from datetime import timedelta

    from django.utils import timezone

    from finance.accounts.models import ApiKey
    from finance.accounts.services import api_key_authenticate

    demo, _ = seeded
    first = _vault(demo)["IMP API key"][1]
    call_command("seed_demo", stdout=io.StringIO())
    assert _vault(demo)["IMP API key"][1] == first
    with scope.activate(demo):
        assert ApiKey.objects.count() == 1
        ApiKey.objects.update(expires_at=timezone.now() - timedelta(days=1))
    assert api_key_authenticate(first, tenant=demo) is None
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    entries = _vault(demo)
    renewed = entries["IMP API key"][1]
    assert renewed != first and entries["Cin7 iplicit API key"][1] == renewed
    assert api_key_authenticate(renewed, tenant=demo).membership.user.email == "integration@kestrel-demo.example"
    assert renewed not in out.getvalue()
    with scope.activate(demo):
        assert ApiKey.objects.count() == 2
        from vault.models import VaultEntry
        assert VaultEntry.objects.count() == 4
