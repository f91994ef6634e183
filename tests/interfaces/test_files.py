import hashlib

import pytest
from django.core.files.storage import default_storage

from finance.tenancy import scope
from interfaces.models import ImportFile
from interfaces.services import ImportFileRejected, import_file_store


def _store(world, interface, content, name="data.csv", kind="input"):
    with scope.activate(world.tenant):
        return import_file_store(tenant=world.tenant, interface=interface, kind=kind, name=name, content=content,
                                 actor=world.owner.user)


def test_a_stored_file_keeps_its_name_size_and_hash_under_a_generated_name(world_a, csv_interface):
    content = b"name\nalpha\n"
    record = _store(world_a, csv_interface, content, name="../../etc/My File.csv")
    assert record.original_name == "My File.csv"
    assert record.size == len(content)
    assert record.sha256 == hashlib.sha256(content).hexdigest()
    assert record.stored_name.startswith(f"imports/{world_a.tenant.uuid}/")
    assert "My File" not in record.stored_name
    with default_storage.open(record.stored_name, "rb") as handle:
        assert handle.read() == content


def test_a_file_like_object_is_streamed_in(world_a, csv_interface, tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x,y\n" * 50_000)
    with open(path, "rb") as handle:
        record = _store(world_a, csv_interface, handle)
    assert record.size == 200_000
    assert record.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_empty_file_is_refused_and_nothing_is_stored(world_a, csv_interface):
    with scope.activate(world_a.tenant):
        before = ImportFile.objects.count()
    with pytest.raises(ImportFileRejected, match="'data.csv' is empty"):
        _store(world_a, csv_interface, b"")
    with scope.activate(world_a.tenant):
        assert ImportFile.objects.count() == before


def test_a_binary_file_is_refused(world_a, csv_interface):
    with pytest.raises(ImportFileRejected, match="not a text file"):
        _store(world_a, csv_interface, b"PK\x03\x04\x00\x00binary", name="book.xlsx")


def test_a_file_over_the_limit_is_refused(world_a, csv_interface, settings):
    settings.IMPORT_MAX_BYTES = 1024
    with pytest.raises(ImportFileRejected, match="File is larger than"):
        _store(world_a, csv_interface, b"a" * 1025)
    assert _store(world_a, csv_interface, b"a" * 1024).size == 1024


def test_a_produced_file_may_be_empty(world_a, csv_interface):
    assert _store(world_a, csv_interface, b"", kind="produced").size == 0
