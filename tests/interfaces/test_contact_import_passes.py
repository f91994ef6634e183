"""The Contact import's two passes with large files in mind: duplicate codes remembered compactly,
the write pass taking the check pass's results only while what they depend on is unchanged, and
the multi-row inserts writing what the ORM would."""

import csv
import io
import random

import pytest
from django.core.files.storage import default_storage

from finance.contacts.models import ContactAccount, ContactAddress, ContactBankAccount, ContactPerson
from finance.contacts.services import contact_create, contact_snapshot
from finance.ledger.models import PaymentTerm
from finance.tenancy import scope
from interfaces import engine
from interfaces.kinds.contact_import import ContactImport
from interfaces.kinds.keys import FirstRows
from interfaces.models import ImportFile, RunStatus
from interfaces.services import run_request

from ..contacts.conftest import with_references

@pytest.fixture(autouse=True)
def two_passes(monkeypatch):
    """These tests are about the two-pass path (SQLite's); on PostgreSQL it is forced, so both
    databases exercise it."""
    monkeypatch.setattr(ContactImport, "single_pass", False)


HEADER = ["code", "is_customer", "is_supplier", "company_name", "pay_term", "address.postcode", "contact.email",
          "bank.sort_code", "bank.account_no"]


def _file(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(code, **cells):
    values = {"code": code, "is_customer": "y", "company_name": f"{code} Ltd", "pay_term": "30D",
              "address.postcode": "zz1 1aa", "contact.email": f"{code.lower()}@example.com"} | cells
    return [values.get(name, "") for name in HEADER]


@pytest.fixture
def tenant(world_a, media):
    return with_references(world_a.tenant)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(ContactImport, "chunk_rows", 3)


def _run(world, content, **options):
    with scope.activate(world.tenant):
        run = run_request(interface=world.interface, trigger="command", enqueue=False, files=[("contacts.csv", content)],
                          options=options)
        run = engine.execute(engine.run_for_pk(run.pk))
        run.refresh_from_db()
        return run


def _produced(run):
    with scope.activate(run.tenant):
        record = ImportFile.objects.get(run=run, kind="produced", original_name=ContactImport.produced_name)
        with default_storage.open(record.stored_name, "rb") as handle:
            return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"))))


def test_first_rows_remembers_the_first_row_of_every_key_as_a_dict_would():
    keys, seen = FirstRows(capacity=8), {}
    rng = random.Random(7)
    for row in range(2, 20_000):
        key = f"C{rng.randint(0, 12_000)}"
        assert keys.first(key, row) == seen.setdefault(key, row)
    assert len(keys) == len(seen)
    assert keys.first("ÄÖÜ-1", 1) == 1 and keys.first("ÄÖÜ-1", 5) == 1 and keys.first("ÄÖÜ-2", 6) == 6


def test_a_code_repeated_in_a_later_chunk_names_its_first_row(world_a, tenant, small_chunks):
    rows = [_row(f"D{n}") for n in range(8)] + [_row("d1"), _row("D7")]
    run = _run(world_a, _file(rows), partial="true")
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS and (run.created, run.errors) == (8, 2)
    with scope.activate(world_a.tenant):
        assert [(m.row, m.column, m.message) for m in run.messages.filter(severity="error").order_by("seq")] == [
            (10, "code", "Duplicate code 'd1' in this file (first on row 3)"),
            (11, "code", "Duplicate code 'D7' in this file (first on row 9)"),
        ]


def test_the_write_pass_writes_what_the_check_pass_found(world_a, tenant, small_chunks):
    rows = [_row(f"W{n}", **({"bank.sort_code": "40-99-11", "bank.account_no": "50000001"} if n % 2 else {}))
            for n in range(7)]
    run = _run(world_a, _file(rows))
    assert run.status == RunStatus.SUCCEEDED and run.created == 7
    with scope.activate(world_a.tenant):
        contact = ContactAccount.objects.get(code="W3")
        assert contact.uuid and contact.created_at and contact.pay_term.code == "30D" and contact.currency.code == "GBP"
        assert ContactAddress.objects.get(contact=contact).is_primary
        assert ContactPerson.objects.get(contact=contact).email == "w3@example.com"
        assert ContactBankAccount.objects.get(contact=contact).sort_code == "40-99-11"
        assert not ContactBankAccount.objects.filter(contact__code="W2").exists()
        assert contact_snapshot(contact)["address_postcode"] == "ZZ1 1AA"
    assert [r["_outcome"] for r in _produced(run)] == ["created"] * 7
    # The produced file imported again changes nothing.
    again = _run(world_a, _file([[r[name] for name in HEADER] for r in _produced(run)]))
    assert again.status == RunStatus.SUCCEEDED and again.unchanged == 7


def test_a_contact_created_between_the_passes_is_checked_again(world_a, tenant, small_chunks, monkeypatch):
    begin = ContactImport.begin

    def begin_then_someone_creates_w5(self, job):
        begin(self, job)
        if job.writing:
            contact_create(tenant=job.tenant, actor=None, code="W5", is_customer=True, company_name="Someone else's")

    monkeypatch.setattr(ContactImport, "begin", begin_then_someone_creates_w5)
    run = _run(world_a, _file([_row(f"W{n}") for n in range(7)]))
    assert run.status == RunStatus.SUCCEEDED and (run.created, run.updated) == (6, 1)
    with scope.activate(world_a.tenant):
        assert ContactAccount.objects.get(code="W5").company_name == "W5 Ltd"
    assert {r["code"]: r["_outcome"] for r in _produced(run)}["W5"] == "updated"


def test_a_reference_gone_between_the_passes_stops_the_run(world_a, tenant, small_chunks, monkeypatch):
    begin = ContactImport.begin

    def begin_after_60d_is_deleted(self, job):
        if job.writing:
            PaymentTerm.objects.filter(code="60D").delete()
        begin(self, job)

    monkeypatch.setattr(ContactImport, "begin", begin_after_60d_is_deleted)
    run = _run(world_a, _file([_row("X1"), _row("X2", pay_term="60d")]))
    assert run.status == RunStatus.FAILED and "The data changed" in run.message
    with scope.activate(world_a.tenant):
        assert not ContactAccount.objects.filter(code__in=["X1", "X2"]).exists()
        assert [m.message for m in run.messages.filter(severity="error")] == ["Payment term '60d' does not exist"]
