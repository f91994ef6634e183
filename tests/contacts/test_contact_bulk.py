"""contacts_bulk_create (the import's writer): rows in order, each with its own address, person and
bank record; on PostgreSQL with COPY, sent from a thread, and its errors handed back."""

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction

from finance.contacts import values
from finance.contacts.models import ContactAccount, ContactAddress, ContactBankAccount, ContactPerson
from finance.contacts.services import contacts_background_copies, contacts_bulk_create
from finance.ledger.models import PaymentTerm
from interfaces.kinds.tabular import Job

pytestmark = pytest.mark.django_db


def _targets(tenant, *rows):
    refs = values.References(tenant)
    targets = []
    for given in rows:
        target, errors = values.resolve(tenant=tenant, given=given, refs=refs)
        assert errors == {}
        targets.append(target)
    return targets


def _create(tenant, targets):
    """contacts_bulk_create as the import calls it: in the background where there is one."""
    background = contacts_background_copies()
    ids = contacts_bulk_create(tenant=tenant, targets=targets, background=background)
    if background is not None:
        background.wait()
    return ids


def _counts():
    return tuple(model.objects.count() for model in (ContactAccount, ContactAddress, ContactPerson, ContactBankAccount))


def test_each_contact_is_written_with_its_own_address_person_and_bank_record_in_order(scoped):
    targets = _targets(
        scoped,
        {"is_customer": "y", "code": "BULK-1", "company_name": "First Ltd", "address_town": "Demotown"},
        {"is_customer": "y", "code": "BULK-2", "contact_type": "P", "first_name": "Sam", "last_name": "Example",
         "contact_email": "sam@example.org", "pay_term": "30d"},
        {"is_supplier": "y", "code": "BULK-3", "company_name": "Third Ltd", "bank_sort_code": "40-99-01",
         "bank_account_no": "50000001", "credit_limit": "1500.50"},
    )
    before = _counts()
    ids = _create(scoped, targets)

    assert [ContactAccount.objects.get(pk=pk).code for pk in ids] == ["BULK-1", "BULK-2", "BULK-3"]
    first, second, third = (ContactAccount.objects.get(pk=pk) for pk in ids)
    assert first.addresses.get().town == "Demotown" and not first.people.exists()
    assert second.people.get().email == "sam@example.org" and second.people.get().name == "Sam Example"
    assert second.pay_term.code == "30D" and second.account_description == "Sam Example"
    assert third.bank_account.sort_code == "40-99-01" and str(third.credit_limit) == "1500.50"
    assert not second.addresses.exists()  # nothing to keep: no address row
    assert _counts() == (before[0] + 3, before[1] + 1, before[2] + 1, before[3] + 1)
    assert first.uuid != second.uuid and first.tenant_id == scoped.pk


def test_a_code_taken_meanwhile_stops_the_batch_and_names_its_row(scoped):
    ContactAccount.objects.create(tenant=scoped, code="BULK-2", account_description="Taken", company_name="Taken",
                                  currency=values.References(scoped).base_currency, is_customer=True)
    targets = _targets(scoped, *({"is_customer": "y", "code": f"BULK-{n}", "company_name": f"Company {n}"}
                                 for n in (1, 2, 3)))
    before = _counts()
    with pytest.raises((IntegrityError, psycopg.IntegrityError)) as raised, transaction.atomic():
        _create(scoped, targets)
    if connection.vendor == "postgresql":  # COPY says which line it refused
        assert "ContactAccount: row 2 of the 3 written together" in getattr(raised.value, "__notes__", [])
    assert _counts() == before


def _missing_reference(scoped):
    term = PaymentTerm.objects.create(tenant=scoped, code="GONE", name="Gone soon")
    targets = _targets(scoped, {"is_customer": "y", "code": "BULK-1", "company_name": "First Ltd", "pay_term": "GONE"})
    term.delete()
    return targets


@pytest.mark.parametrize("by_set", [True, False], ids=["checked-by-set", "checked-by-row"])
def test_in_the_background_a_missing_reference_is_refused_at_once_not_at_the_commit(scoped, settings, by_set):
    settings.BULK_COPY_CHECK_REFERENCES_BY_SET = by_set
    targets = _missing_reference(scoped)
    background = contacts_background_copies()
    if connection.vendor != "postgresql":
        assert background is None  # SQLite writes in the caller's thread; its keys are checked at the commit
        return
    assert background.by_set is by_set  # the test database's role may set session_replication_role
    with pytest.raises((IntegrityError, psycopg.errors.ForeignKeyViolation)) as raised, transaction.atomic():
        contacts_bulk_create(tenant=scoped, targets=targets, background=background)
        background.wait()
    if by_set:
        assert "ContactAccount: pay_term" in str(raised.value) and "is not in ledger_paymentterm" in str(raised.value)
    assert not ContactAccount.objects.filter(code="BULK-1").exists()


def _other_connection():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.django_db(transaction=True)  # the payment term committed, for another connection to see
def test_checked_by_set_the_triggers_are_back_on_after_each_batch_and_the_references_locked(scoped):
    targets = _targets(scoped, {"is_customer": "y", "code": "BULK-1", "company_name": "First Ltd", "pay_term": "30D"})
    background = contacts_background_copies()
    if connection.vendor != "postgresql":
        assert background is None  # no COPY, no session_replication_role: SQLite's own inserts
        return
    assert background.by_set
    with transaction.atomic():
        contacts_bulk_create(tenant=scoped, targets=targets, background=background)
        background.wait()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('session_replication_role')")
            assert cursor.fetchone()[0] == "origin"
        # The payment term named is locked as a foreign key's trigger locks it (FOR KEY SHARE):
        # another connection cannot delete it before this transaction ends.
        with _other_connection() as other, pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute("SET lock_timeout = '300ms'")
            other.execute("DELETE FROM ledger_paymentterm WHERE id = %s", [targets[0]["pay_term"].pk])
        # Later statements of the transaction have their triggers again: a missing key is refused.
        with pytest.raises(IntegrityError), transaction.atomic():
            ContactAccount.objects.filter(code="BULK-1").update(pay_term_id=10 ** 9)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert ContactAccount.objects.get(code="BULK-1").pay_term.code == "30D"


class _Sender:
    def __init__(self, error=None):
        self.error = error
        self.waits = []

    def wait(self, *, quiet=False):
        self.waits.append(quiet)
        if self.error is not None and not quiet:
            raise self.error


def _job():
    job = Job.__new__(Job)
    job._background = []
    return job


def test_a_pass_waits_for_its_background_writes_and_raises_what_they_raised():
    job = _job()
    fine, failing = job.in_background(_Sender()), job.in_background(_Sender(RuntimeError("refused")))
    with pytest.raises(RuntimeError, match="refused"), job.settled():
        pass
    assert fine.waits == [False] and failing.waits == [False]


def test_a_failing_pass_waits_quietly_and_keeps_its_own_error():
    job = _job()
    sender = job.in_background(_Sender(RuntimeError("refused")))
    with pytest.raises(ValueError, match="the body"), job.settled():
        raise ValueError("the body failed")
    assert sender.waits == [True]
