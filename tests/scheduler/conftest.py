import pytest

from interfaces import kinds

from . import kinds_for_tests


@pytest.fixture(autouse=True)
def scheduler_kinds():
    registered = [kinds.register(k) for k in kinds_for_tests.KINDS]
    yield {k.key: k for k in registered}
    for k in registered:
        kinds.unregister(k.key)


@pytest.fixture
def sync_interface(world_a):
    from ..factories import InterfaceFactory

    return InterfaceFactory(tenant=world_a.tenant, description="Nightly sync", kind="test_sync")


DAILY_2AM = {"kind": "daily", "time": "02:00", "tz": "Europe/London"}
