import pytest

from interfaces import kinds

from . import kinds_for_tests


@pytest.fixture(autouse=True)
def test_kinds():
    """Register the test kinds for the test, and remove them afterwards."""
    registered = [kinds.register(k) for k in kinds_for_tests.KINDS]
    yield {k.key: k for k in registered}
    for k in registered:
        kinds.unregister(k.key)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def csv_interface(world_a, media):
    from ..factories import InterfaceFactory

    return InterfaceFactory(tenant=world_a.tenant, description="Test CSV import", kind="test_csv")


def make_interface(tenant, kind, description=None):
    from ..factories import InterfaceFactory

    return InterfaceFactory(tenant=tenant, kind=kind, description=description or f"{kind} interface")
