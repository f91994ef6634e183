"""Interface kinds used only by the tests. A fixture registers them in the test process; a Celery
worker started by a test finds them through INTERFACES_EXTRA_KINDS (see interfaces/kinds)."""

import csv
import io
import time

from interfaces.kinds import DateFormat, Kind, Option, RunError
from interfaces.models import Run


class CsvCount(Kind):
    """Reads uploaded CSV files: counts rows, reports an error on a row containing 'bad'."""

    key = "test_csv"
    label = "Test CSV"
    accepts_files = True
    files_required = True
    options = {"partial": (bool, False), "limit": (int, 0), "pause_ms": (int, 0)}

    def execute(self, ctx):
        names = []
        for import_file in ctx.files:
            with ctx.open(import_file) as handle:
                rows = list(csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")))[1:]
            for number, cells in enumerate(rows, start=2):
                ctx.count("rows")
                if any("bad" in cell for cell in cells):
                    ctx.error("This row is bad.", row=number, column="name", value=cells[0])
                else:
                    ctx.count("created")
                    names.append(cells[0])
                ctx.progress(number - 1, len(rows))
                if ctx.options["pause_ms"]:
                    time.sleep(ctx.options["pause_ms"] / 1000)  # lets a browser watch the progress
        if ctx.options["partial"]:
            ctx.warning("Partial commits were asked for.")
        ctx.produce_file("names.txt", ("\n".join(names) + "\n").encode())


class Boom(Kind):
    key = "test_boom"
    label = "Test boom"
    actions = ("run", "test-connection")

    def execute(self, ctx):
        ctx.count("rows")
        raise RuntimeError("secret internal detail")


class Refused(Kind):
    key = "test_refused"
    label = "Test refused"

    def execute(self, ctx):
        raise RunError("The remote system refused the credentials.")


class Flaky(Kind):
    """Fails with a retryable error on its first attempt, succeeds on the next."""

    key = "test_flaky"
    label = "Test flaky"

    def execute(self, ctx):
        if ctx.run.attempt < 2:
            raise RunError("The remote system timed out.", retryable=True)
        ctx.count("unchanged")


class CancelsItself(Kind):
    """Someone presses Cancel while it runs; it stops at its next heartbeat."""

    key = "test_cancel"
    label = "Test cancel"

    def execute(self, ctx):
        ctx.count("rows")
        Run.objects.filter(pk=ctx.run.pk).update(cancel_requested=True)
        ctx.heartbeat()
        ctx.count("created")  # never reached


class Configurable(Kind):
    """Settings of every type, to test the Configuration tab and per-run overrides; reports what it saw."""

    key = "test_config"
    label = "Test configurable"
    actions = ("run", "synchronise")
    accepts_files = True
    options = {
        "delimiter": Option(str, ",", label="Column separator", choices=[(",", "Comma"), (";", "Semicolon")]),
        "date_format": Option(DateFormat, "dd/MM/yy"),
        "header_lines": Option(int, 1, help="Lines before the first row."),
        "partial": Option(bool, False, label="Commit valid rows"),
        "account": Option(str, ""),
    }

    def execute(self, ctx):
        ctx.info(" ".join(f"{k}={ctx.options[k]}" for k in sorted(ctx.options)))
        ctx.count("unchanged")


KINDS = [CsvCount, Boom, Refused, Flaky, CancelsItself, Configurable]



from finance.contacts.models import NoteCategory  # noqa: E402
from finance.dataformats import cells  # noqa: E402
from finance.dataformats.columns import Column  # noqa: E402
from interfaces.kinds import tabular  # noqa: E402


class Ledgerish(tabular.TabularKind):
    """A small file import on the shared pipeline: each row is a note category (code, name), so
    the tests can see what was written, updated or rolled back."""

    key = "test_tabular"
    label = "Test tabular"
    columns = (Column("code", "code", 10, True), Column("name", "text", 20), Column("amount", "amount"),
               Column("when", "date"), Column("active", "flag"))
    mandatory = ("code",)
    produced_name = "Test tabular file.csv"
    options = tabular.file_options(date_format="dd/MM/yyyy")
    chunk_rows = 3  # small chunks, so tests cross chunk boundaries

    def begin(self, job):
        job.state["seen"] = {}
        job.state["queries"] = 0

    def check_chunk(self, job, records):
        codes = [r.values["code"].upper() for r in records]
        existing = {c.code: c for c in NoteCategory.objects.filter(tenant=job.tenant, code__in=codes)}
        results = []
        for record in records:
            result = tabular.RowResult(record=record)
            for column, value, message in record.errors:
                result.error(column, value, message)
            v = record.values
            code = v["code"].upper()
            if not code:
                result.error("code", "", "code is required")
            elif code in job.state["seen"]:
                result.error("code", v["code"], f"Duplicate code '{v['code']}' in this file (first on row {job.state['seen'][code]})")
            else:
                job.state["seen"][code] = record.row
            out = {"code": code}
            try:
                out["name"] = cells.text(cells.unescape_formula(v.get("name", "")), "name", 20)
            except cells.CellError as error:
                result.error("name", v.get("name", ""), str(error))
            readers = (("amount", cells.amount), ("when", lambda t: job.date("when", t)), ("active", lambda t: cells.flag(t, "active")))
            for column, reader in readers:
                text = v.get(column, "")
                if not text:
                    out[column] = ""
                    continue
                try:
                    value = reader(text)
                except cells.CellError as error:
                    result.error(column, text, str(error))
                    continue
                out[column] = cells.money_text(value) if column == "amount" else (
                    value.strftime("%d/%m/%Y") if column == "when" else ("y" if value else "n"))
            if result.outcome != tabular.ERROR:
                result.output = out
                current = existing.get(code)
                if current is None:
                    result.outcome = tabular.CREATED
                else:
                    result.outcome = tabular.UNCHANGED if current.name == (out["name"] or "-") else tabular.UPDATED
                result.payload = current
            results.append(result)
        return results

    def write_chunk(self, job, results):
        for result in results:
            if result.payload is None:
                NoteCategory.objects.create(tenant=job.tenant, code=result.output["code"], name=result.output["name"] or "-")
            else:
                NoteCategory.objects.filter(pk=result.payload.pk).update(name=result.output["name"])


KINDS.append(Ledgerish)
