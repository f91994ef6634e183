"""The file pipeline's hooks for kinds that decide rows together: rows held back by `check_chunk`
and decided in `check_end`, outcomes counted once per group, and a file-level error from `begin`."""

import csv
import io

import pytest
from django.core.files.storage import default_storage

from finance.dataformats.columns import Column
from finance.tenancy import scope
from interfaces import engine, kinds
from interfaces.kinds.base import Option
from interfaces.kinds.tabular import CREATED, FileRejected, RowResult, TabularKind, file_options
from interfaces.models import ImportFileKind, RunStatus, Severity
from interfaces.services import run_request

from .conftest import make_interface

pytestmark = pytest.mark.django_db


class Grouped(TabularKind):
    """Holds every row; rows with the same `group` share one outcome, counted once."""

    key = "test_grouped"
    label = "Test grouped"
    columns = (Column("group", "code", 20, True), Column("value", "text", 20))
    mandatory = ("group",)
    produced_name = "Grouped.csv"
    count_by_group = True
    unit = ("group", "groups")
    chunk_rows = 2
    options = file_options(refuse=Option(bool, False))
    written = []

    def begin(self, job):
        if job.options["refuse"]:
            raise FileRejected((None, None, "Interface configuration incomplete: refuse is set"))
        job.state["held"] = []

    def check_chunk(self, job, records):
        job.state["held"] += records
        return []

    def check_end(self, job):
        results = []
        for record in job.state["held"]:
            result = RowResult(record=record, group=record.values["group"].lower(), outcome=CREATED)
            if record.values.get("value") == "bad":
                result.error("value", "bad", "Bad value")
            results.append(result)
        return results

    def write_chunk(self, job, results):
        Grouped.written += [r.record.row for r in results]


@pytest.fixture
def grouped(world_a):
    kinds.register(Grouped)
    Grouped.written = []
    interface = make_interface(world_a.tenant, "test_grouped")
    yield interface
    kinds.unregister("test_grouped")


def _run(interface, text, **options):
    with scope.activate(interface.tenant):
        run = run_request(interface=interface, trigger="command", files=[("in.csv", text.encode())], options=options,
                          enqueue=False)
        run = engine.execute(engine.run_for_pk(run.pk))
        run.refresh_from_db()
        produced = run.files.filter(kind=ImportFileKind.PRODUCED, original_name="Grouped.csv").first()
        rows = []
        if produced is not None:
            with default_storage.open(produced.stored_name, "rb") as handle:
                rows = [(r["_row"], r["_outcome"]) for r in csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig"))]
        errors = list(run.messages.filter(severity=Severity.ERROR).values_list("row", "message"))
        return run, rows, errors


def test_held_rows_are_decided_at_the_end_and_counted_once_per_group(grouped):
    run, rows, errors = _run(grouped, "group,value\na,1\nb,2\nA,3\nc,4\nb,5\n")
    assert run.status == RunStatus.SUCCEEDED and errors == []
    assert run.counts == {"rows": 5, "created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0,
                          "errors": 0}
    assert rows == [("2", "created"), ("3", "created"), ("4", "created"), ("5", "created"), ("6", "created")]
    assert Grouped.written == [2, 3, 4, 5, 6]


def test_an_error_rejects_the_whole_group_and_partial_writes_the_others(grouped):
    run, rows, errors = _run(grouped, "group,value\na,1\nb,2\na,bad\n")
    assert run.status == RunStatus.FAILED and run.counts["errors"] == 1 and run.counts["skipped"] == 1
    assert "1 group with errors, so no group was imported" in run.message
    assert rows == [("2", "error"), ("3", "skipped"), ("4", "error")] and Grouped.written == []

    run, rows, errors = _run(grouped, "group,value\na,1\nb,2\na,bad\n", partial=True)
    assert run.status == RunStatus.COMPLETED_WITH_ERRORS
    assert (run.counts["rows"], run.counts["created"], run.counts["errors"]) == (3, 1, 1)
    assert errors == [(4, "Bad value")] and Grouped.written == [3]


def test_partial_with_every_group_in_error_fails(grouped):
    run, rows, errors = _run(grouped, "group,value\na,1\na,bad\nb,bad\n", partial=True)
    assert run.status == RunStatus.FAILED and Grouped.written == []
    assert (run.counts["rows"], run.counts["errors"]) == (3, 2)


def test_begin_may_reject_the_file(grouped):
    run, rows, errors = _run(grouped, "group,value\na,1\n", refuse=True)
    assert run.status == RunStatus.FAILED and run.counts["rows"] == 0
    assert errors == [(None, "Interface configuration incomplete: refuse is set")]
