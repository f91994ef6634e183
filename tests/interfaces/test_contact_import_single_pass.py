"""The Contact import's single pass (PostgreSQL): each chunk's new contacts are sent from the
writer thread while the next chunk is checked, and the rows of a chunk are first resolved as new
contacts, then again as updates where their code turns out to exist. On SQLite the same files go
through the two passes, with the same outcomes."""

import pytest
from django.db import connection

from finance.contacts import bulk
from finance.contacts.models import ContactAccount, ContactPerson
from finance.contacts.services import contact_create
from finance.tenancy import scope
from interfaces.kinds.contact_import import ContactImport
from interfaces.models import RunStatus

from .test_contact_import_passes import _file, _produced, _row, _run
from .test_contact_import_passes import small_chunks, tenant  # noqa: F401 - the fixtures


@pytest.fixture
def sends(monkeypatch):
    """The batches handed to the writer thread: for each, the table of every row it wrote."""
    sent = []
    send, copy_send = bulk.BackgroundCopies.send, bulk.copy_send

    def counting_send(self, work, **kwargs):
        sent.append([])
        return send(self, work, **kwargs)

    def counting_copy_send(cursor, plan):
        sent[-1].extend([plan.name] * plan.count)
        return copy_send(cursor, plan)

    monkeypatch.setattr(bulk.BackgroundCopies, "send", counting_send)
    monkeypatch.setattr(bulk, "copy_send", counting_copy_send)
    return sent


def test_new_contacts_go_to_the_writer_thread_chunk_by_chunk(world_a, tenant, small_chunks, sends):
    run = _run(world_a, _file([_row(f"S{n}") for n in range(8)]))
    assert run.status == RunStatus.SUCCEEDED and run.created == 8
    with scope.activate(world_a.tenant):
        assert ContactAccount.objects.filter(code__startswith="S").count() == 8
        assert ContactPerson.objects.get(contact__code="S7").email == "s7@example.com"
    if connection.vendor == "postgresql":
        # Three chunks (3 + 3 + 2 rows), each account with its address and person.
        assert [batch.count("ContactAccount") for batch in sends] == [3, 3, 2]
        assert [batch.count("ContactPerson") for batch in sends] == [3, 3, 2]
    else:
        assert sends == []  # no writer thread: SQLite writes in the second pass


def test_from_the_second_chunk_on_the_copies_are_prepared_before_the_wait(world_a, tenant, small_chunks, sends,
                                                                          monkeypatch):
    """Every chunk of new contacts after the first has its COPYs ready when it is written (made
    while the chunk before was being stored), and the ids for them are taken by the writer
    thread, not by the import between two chunks."""
    from finance.contacts import services

    prepared, taken_here = [], []
    write_chunk, take_ids = ContactImport.write_chunk, services.contacts_take_ids

    def spying_write_chunk(self, job, results):
        if results:  # not the end's (none)
            prepared.append(job.state.get("planned") is not None)
        return write_chunk(self, job, results)

    def spying_take_ids(count):
        taken_here.append(count)
        return take_ids(count)

    monkeypatch.setattr(ContactImport, "write_chunk", spying_write_chunk)
    monkeypatch.setattr(services, "contacts_take_ids", spying_take_ids)
    run = _run(world_a, _file([_row(f"P{n}") for n in range(11)]))
    assert run.status == RunStatus.SUCCEEDED and run.created == 11
    with scope.activate(world_a.tenant):
        assert sorted(ContactAccount.objects.filter(code__startswith="P").values_list("code", flat=True)) == sorted(
            f"P{n}" for n in range(11))
    if connection.vendor == "postgresql":
        assert prepared == [False, True, True, True]  # 3 + 3 + 3 + 2 rows
        assert taken_here == [6]  # once, before the first chunk was written: this chunk's and the next's
        assert [batch.count("ContactAccount") for batch in sends] == [3, 3, 3, 2]
    else:
        assert prepared == [False] * 4 and taken_here == []


def test_existing_contacts_in_a_chunk_of_new_ones_are_updated_not_created(world_a, tenant, small_chunks, sends):
    with scope.activate(world_a.tenant):
        contact_create(tenant=world_a.tenant, actor=None, code="OLD2", is_customer=True, company_name="Old Two Ltd")
        contact_create(tenant=world_a.tenant, actor=None, code="OLD6", is_customer=True, company_name="Old Six Ltd",
                       contact_email="old6@example.com")
    rows = [_row("N1"), _row("OLD2", company_name="Renamed Two Ltd"), _row("N3"), _row("N4"), _row("N5"),
            _row("old6", company_name="Old Six Ltd", pay_term="60D", **{"contact.email": "OLD6@example.com"}),
            _row("N7")]
    run = _run(world_a, _file(rows))
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert (run.created, run.updated) == (5, 2)
    assert {r["code"]: r["_outcome"] for r in _produced(run)} == {
        "N1": "created", "OLD2": "updated", "N3": "created", "N4": "created", "N5": "created", "OLD6": "updated",
        "N7": "created"}
    with scope.activate(world_a.tenant):
        assert ContactAccount.objects.filter(code__in=["OLD2", "OLD6"]).count() == 2
        assert ContactAccount.objects.get(code="OLD2").company_name == "Renamed Two Ltd"
        old6 = ContactAccount.objects.get(code="OLD6")
        assert (old6.company_name, old6.pay_term.code, old6.people.get().email) == ("Old Six Ltd", "60D", "OLD6@example.com")
        assert ContactAccount.objects.filter(code__startswith="N").count() == 5
    if connection.vendor == "postgresql":
        assert sorted(n for batch in sends for n in batch if n == "ContactAccount") == ["ContactAccount"] * 5


def test_a_reimport_reads_the_existing_contacts_first(world_a, tenant, small_chunks, monkeypatch):
    """A file of contacts that all exist is not resolved twice: after the first chunk the pass
    looks them up before it resolves."""
    rows = [_row(f"R{n}") for n in range(9)]
    assert _run(world_a, _file(rows)).created == 9
    resolved = []
    original = ContactImport._resolved

    def counting(self, job, records, *args):
        resolved.extend(r.row for r in records)
        return original(self, job, records, *args)

    monkeypatch.setattr(ContactImport, "_resolved", counting)
    again = _run(world_a, _file(rows))
    assert again.status == RunStatus.SUCCEEDED and again.unchanged == 9
    if connection.vendor == "postgresql":
        # The first chunk is resolved as new, then again as updates; the next two only once.
        assert resolved == [2, 3, 4, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    else:
        assert resolved == list(range(2, 11))  # the check pass; the write pass takes its results


def test_existing_contacts_are_looked_up_by_the_unique_code_index_inside_the_import(world_a, tenant):
    """Inside the import's transaction the table's statistics describe it as it was before; the
    lookup must still probe the code index once per code instead of reading every contact."""
    from finance.contacts import values
    from finance.contacts.services import contacts_bulk_create
    from interfaces.kinds.contact_import import _existing, existing_sql

    with scope.activate(world_a.tenant):
        refs = values.References(world_a.tenant)
        targets = [values.resolve(tenant=world_a.tenant, given={"code": f"P{n:05d}", "is_customer": "y",
                                                                "company_name": f"P{n} Ltd"}, refs=refs)[0]
                   for n in range(3000)]
        contacts_bulk_create(tenant=world_a.tenant, targets=targets)
        found = _existing(world_a.tenant, {"P00007", "P02999", "NOPE"})
        assert sorted(found) == ["P00007", "P02999"] and found["P00007"].company_name == "P7 Ltd"
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + existing_sql(), ["P00007\x1fP02999", world_a.tenant.pk])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "contactaccount_unique_code" in plan and "Seq Scan on contacts_contactaccount" not in plan, plan


def test_errors_blank_codes_and_updates_in_one_chunk_are_each_written_once(world_a, tenant, small_chunks, sends):
    """With 'commit valid rows': a chunk holding a row in error, a contact that takes the next
    code of the series and an existing contact is written as the rows say, each contact once,
    and a chunk of new contacts only after it."""
    from finance.ledger.models import NumberSeries

    with scope.activate(world_a.tenant):
        NumberSeries.objects.update_or_create(tenant=world_a.tenant, code="CONTACT",
                                              defaults={"name": "Contacts", "prefix": "CN", "digits": 4, "next_number": 7})
        contact_create(tenant=world_a.tenant, actor=None, code="OLD1", is_customer=True, company_name="Old One Ltd")
    rows = [_row("A1"), _row("A2", pay_term="45D"), _row("A3"),  # a row in error
            _row("", company_name="Blank Ltd", **{"contact.email": "blank@example.com"}), _row("OLD1", company_name="Old One Renamed Ltd"), _row("A6"),
            _row("A7"), _row("A8"), _row("A9")]
    run = _run(world_a, _file(rows), partial="true")
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    assert (run.created, run.updated, run.errors) == (7, 1, 1)
    assert [r["_outcome"] for r in _produced(run)] == [
        "created", "error", "created", "created", "updated", "created", "created", "created", "created"]
    assert _produced(run)[3]["code"] == "CN0007"
    with scope.activate(world_a.tenant):
        made = ContactAccount.objects.filter(code__in=["A1", "A3", "CN0007", "A6", "A7", "A8", "A9"])
        assert made.count() == 7 and len({c.pk for c in made}) == 7
        assert ContactAccount.objects.get(code="CN0007").company_name == "Blank Ltd"
        assert ContactAccount.objects.get(code="OLD1").company_name == "Old One Renamed Ltd"
        assert not ContactAccount.objects.filter(code="A2").exists()
        assert ContactPerson.objects.filter(contact__in=made).count() == 7
    if connection.vendor == "postgresql":
        assert [batch.count("ContactAccount") for batch in sends] == [2, 2, 3]


@pytest.mark.django_db(transaction=True)  # the payment term committed, for another connection to delete
def test_a_reference_deleted_by_someone_else_during_the_import_fails_the_run_clearly(world_a, tenant, small_chunks,
                                                                                    monkeypatch):
    """Between the check of a chunk and its COPY, another user deletes a payment term the file
    names: the run fails with a message that says so, and no contact of the file is written."""
    import psycopg

    from finance.contacts.services import contacts_background_copies
    from finance.ledger.models import PaymentTerm

    with scope.activate(world_a.tenant):
        term = PaymentTerm.objects.create(tenant=world_a.tenant, code="GONE", name="Deleted meanwhile")
        if connection.vendor != "postgresql":
            assert contacts_background_copies() is None  # SQLite: no writer thread; one writer at a time
            return
    write_chunk = ContactImport.write_chunk

    def deleted_first(self, job, results):
        if results and PaymentTerm.objects.filter(pk=term.pk).exists():
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            with psycopg.connect(**params, autocommit=True) as other:
                other.execute("DELETE FROM ledger_paymentterm WHERE id = %s", [term.pk])
        return write_chunk(self, job, results)

    monkeypatch.setattr(ContactImport, "write_chunk", deleted_first)
    run = _run(world_a, _file([_row("R1"), _row("R2", pay_term="GONE"), _row("R3"), _row("R4")]))
    assert run.status == RunStatus.FAILED
    assert run.message == ("A pay_term the file names was deleted by someone else while the file was being imported, "
                           "so nothing was imported. Import the file again: its rows are then checked against the data "
                           "as it is now.")
    with scope.activate(world_a.tenant):
        assert not ContactAccount.objects.filter(code__startswith="R").exists()
