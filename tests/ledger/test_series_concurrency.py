"""Two callers taking numbers at the same time, each in its own transaction and connection, never
get the same number."""

import threading

import pytest
from django.db import connection, transaction

from finance.ledger.demo import seed_ledger
from finance.ledger.models import NumberSeries
from finance.ledger.services import series_next
from finance.tenancy import scope
from tests.factories import TenantFactory


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_get_the_same_number():
    tenant = TenantFactory()
    seed_ledger(tenant=tenant, out=lambda *args: None)
    with scope.activate(tenant):
        series = NumberSeries.objects.get(code="JN")
    taken, failures = [], []
    start = threading.Barrier(4)

    def worker():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    # One shared, soon stale instance: the number must come from the database row.
                    taken.append(series_next(series=series))
        except Exception as error:  # reported below; a thread cannot fail the test itself
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(taken) == [f"JN{n:06d}" for n in range(1, 41)]
    with scope.activate(tenant):
        assert NumberSeries.objects.get(code="JN").next_number == 41
