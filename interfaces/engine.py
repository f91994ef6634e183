"""Executing a run: the same path for the Celery task and the `run_interface` command.

`execute(run)` claims the run (queued -> running), hands the kind a `RunContext`, and finishes
the run with its counts and messages: succeeded without errors, completed with errors when the
kind finished but reported some, failed when the kind raised. Users see a plain reason; the
traceback of an unexpected exception goes to the log only.
"""

import logging

from django.core.files.storage import default_storage
from django.views.decorators.debug import sensitive_variables

from . import kinds, services
from .kinds import Cancelled, RunError
from .models import COUNT_NAMES, ImportFileKind, Run, RunStatus, Severity

logger = logging.getLogger(__name__)

MESSAGE_BATCH = 2000  # messages written together (a file import also writes them at each chunk's progress)


class RetryLater(Exception):
    """The run failed in a way worth retrying and was put back in the queue."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class RunContext:
    """What a kind sees of its run: inputs, options, and the ways to report progress and outcomes."""

    def __init__(self, run, kind):
        self.run = run
        self.kind = kind
        self.tenant = run.tenant
        self.interface = run.interface
        self.action = run.action
        self.dry_run = run.dry_run
        self.since = run.since
        self.actor = run.triggered_by
        self.options = kind.clean_options(run.options, run.interface)
        self.batch_series = run.interface.batch_series  # the Defaults tab's batch series, or None
        self.counts = dict.fromkeys(COUNT_NAMES, 0)
        self.message = ""
        self.status = None  # a kind may decide the final status itself (the file rules of §1.6)
        self.in_write_transaction = False  # set by a kind while it holds one long write transaction
        self._pending = []
        self._seq = 0
        self._side = None

    # Inputs -------------------------------------------------------------------------------------
    @property
    def files(self):
        """The run's input files (ImportFile rows), in the order they were stored."""
        return list(self.run.files.filter(kind=ImportFileKind.INPUT).order_by("id"))

    def open(self, import_file):
        """Open a stored file for reading (binary); use it as a context manager."""
        return default_storage.open(import_file.stored_name, "rb")

    @sensitive_variables()
    def secret(self, name, *, purpose=""):
        """The value of the Vault entry called `name`, for connector code: it must be of one of the
        kind's `vault_types`. The use is recorded in the Event log with this interface and run.
        Keep the value in memory only: never log it, put it in a message or write it to a file."""
        from vault.crypto import VaultError
        from vault.services import vault_entry_for_use, vault_secret_read

        try:
            entry = vault_entry_for_use(tenant=self.tenant, name=name, types=self.kind.vault_types,
                                        user_of=self.kind.label)
            return vault_secret_read(entry=entry, purpose=purpose or self.action, run=self.run, actor=self.actor)
        except VaultError as error:
            raise RunError(str(error)) from None

    # Progress and cancellation ------------------------------------------------------------------
    def heartbeat(self):
        """Tell the ledger the run is alive; raises Cancelled if someone asked to cancel it."""
        self._flush()
        if services.run_heartbeat(run=self.run):
            raise Cancelled()

    def progress(self, done, total):
        """Record progress; also a heartbeat, so it raises Cancelled when cancel was requested.

        Inside a kind's long write transaction the progress is written through a second database
        connection (PostgreSQL), so the run page sees it and the run is not taken for stale; on
        SQLite, whose single writer is busy with the import, it waits for the commit. There the
        pending messages are handed over after the progress: a thread of their own writes them
        (`SideChannel.messages`) while the kind goes on."""
        if self.in_write_transaction:
            cancel = self.side.progress(run=self.run, done=done, total=total)
            self._flush()
            if cancel:
                raise Cancelled()
            return
        self._flush()
        if services.run_progress(run=self.run, done=done, total=total):
            raise Cancelled()

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None

    def finish_as(self, status, message=""):
        """End the run with this status (instead of the engine's choice) and message."""
        self.status = status
        if message:
            self.message = message

    # Outcomes -----------------------------------------------------------------------------------
    def count(self, name, n=1):
        if name not in self.counts:
            raise ValueError(f"Unknown count '{name}'; use one of {', '.join(COUNT_NAMES)}")
        self.counts[name] += n

    def error(self, message, *, row=None, column=None, value=None):
        """A per-cell (or per-record) error; counts one error."""
        self.counts["errors"] += 1
        self._add(Severity.ERROR, message, row, column, value)

    def warning(self, message, *, row=None, column=None, value=None):
        self._add(Severity.WARNING, message, row, column, value)

    def info(self, message, *, row=None, column=None, value=None):
        self._add(Severity.INFO, message, row, column, value)

    def produce_file(self, name, content):
        """Store a file the run made in the Imports folder; returns the ImportFile."""
        return services.import_file_store(
            tenant=self.tenant, interface=self.interface, run=self.run, kind=ImportFileKind.PRODUCED,
            name=name, content=content, actor=None,
        )

    def _add(self, severity, message, row, column, value):
        self._seq += 1
        self._pending.append(dict(severity=severity, message=message, row=row, column=column, value=value, seq=self._seq))
        if len(self._pending) >= MESSAGE_BATCH:
            self._flush()

    @property
    def side(self):
        if self._side is None:
            self._side = services.SideChannel()
        return self._side

    def _flush(self):
        """Write the pending messages: inside a kind's write transaction through the side
        connection (so a rollback keeps them), where there is one."""
        if not self._pending:
            return
        if self.in_write_transaction and self.side.messages(run=self.run, messages=self._pending):
            self._pending = []
            return
        if self.in_write_transaction:
            return  # no side connection (SQLite): they wait for the transaction's end
        services.run_messages_add(run=self.run, messages=self._pending)
        self._pending = []


def _summary(counts):
    parts = [f"{counts[name]} {name}" for name in COUNT_NAMES if counts[name]]
    return ", ".join(parts) if parts else "nothing to do"


def execute(run, *, retry_allowed=False):
    """Claim and execute `run` in the active tenant scope; returns the run as it finished.

    With `retry_allowed`, a retryable RunError puts the run back in the queue and raises
    RetryLater, so the caller (the Celery task) can try again later.
    """
    if not services.run_claim(run=run):
        logger.info("Run %s was not claimed (status %s)", run.uuid, run.status)
        return run
    kind = kinds.get(run.interface.kind)
    if kind is None:
        services.run_finish(run=run, status=RunStatus.FAILED,
                            message=f"The interface type '{run.interface.kind}' is not known to this installation.")
        return run
    try:
        ctx = RunContext(run, kind)
    except kinds.OptionError as error:
        services.run_finish(run=run, status=RunStatus.FAILED, message=str(error))
        return run
    try:
        try:
            kind.execute(ctx)
        finally:
            ctx.close()
        ctx._flush()
    except Cancelled:
        ctx._flush()
        services.run_finish(run=run, status=RunStatus.CANCELLED, counts=ctx.counts,
                            message=f"Cancelled on request after {_summary(ctx.counts)}.")
        return run
    except RunError as error:
        if error.retryable and retry_allowed:
            ctx._pending = []
            services.run_requeue(run=run, message=f"Attempt {run.attempt} failed: {error.message} Trying again.")
            raise RetryLater(error.message) from error
        ctx._flush()
        services.run_finish(run=run, status=RunStatus.FAILED, counts=ctx.counts, message=error.message)
        return run
    except Exception:
        logger.exception("Run %s of interface %s failed unexpectedly", run.uuid, run.interface.uuid)
        try:
            ctx._flush()
        except Exception:
            logger.exception("Could not save the messages of run %s", run.uuid)
        services.run_finish(
            run=run, status=RunStatus.FAILED, counts=ctx.counts,
            message=f"The run stopped because of an unexpected error (run {run.short_id}); "
                    "the details are in the server log.",
        )
        return run
    status = ctx.status or (RunStatus.COMPLETED_WITH_ERRORS if ctx.counts["errors"] else RunStatus.SUCCEEDED)
    message = ctx.message or (("Dry run: " if run.dry_run else "") + _summary(ctx.counts) + ".")
    services.run_finish(run=run, status=status, counts=ctx.counts, message=message)
    return run


def run_for_pk(pk):
    """The run with primary key `pk` in the active scope, or None."""
    return Run.objects.select_related("interface", "tenant", "triggered_by").filter(pk=pk).first()
