"""Creating and changing interfaces, and the run ledger: every request to run an interface (the
browser, the scheduler, the `run_interface` command) goes through `run_request`."""

import hashlib
import logging
import mimetypes
import os
import tempfile
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from finance.audit.models import Event, Severity as EventSeverity
from finance.audit.services import event_record
from finance.bulk import copy_rows
from finance.catalog.selectors import feature_enabled, feature_refusal
from finance.notices.services import notice_create
from finance.tenancy.models import Membership

from . import copytext, kinds
from .signals import interface_created, run_finished
from .models import (
    ACTIVE_STATUSES, COUNT_NAMES, ImportFile, ImportFileKind, Interface, Run, RunMessage, RunStatus, RunTrigger,
)

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
SNIFF_BYTES = 8 * 1024
FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS, RunStatus.FAILED, RunStatus.CANCELLED)


class RunRequestError(Exception):
    """A request the engine refuses (usage or configuration): the message is one line for the user."""


class ImportFileRejected(RunRequestError):
    """A file the Imports folder will not take (empty, too large, binary)."""


INTERFACE_FIELDS = ("description", "enabled", "batch_series", "date_format", "datetime_format", "config", "owner")


def _interface_state(interface):
    """What the Event log records of an interface: every field a person can change."""
    return {
        "description": interface.description, "enabled": interface.enabled,
        "batch_series": interface.batch_series.code if interface.batch_series_id else "",
        "date_format": interface.date_format, "datetime_format": interface.datetime_format,
        "config": interface.config, "owner": interface.owner.email if interface.owner_id else "",
    }


def _check_description(tenant, description, exclude_pk=None):
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Give the interface a description."})
    taken = Interface.objects.filter(tenant=tenant, description__iexact=description)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"description": f"An interface called '{description}' already exists in this environment."})
    return description


def _check_config(kind, interface):
    """The kind's options accept every configured value (and the Defaults tab's formats)."""
    if kind is None:
        return
    given = {name: value for name, value in (interface.config or {}).items()}
    specs = kind.option_specs()
    unknown = sorted(set(given) - set(specs))
    if unknown:
        raise ValidationError({"config": f"{kind.label} has no setting called {', '.join(unknown)}."})
    for name in kinds.base.DEFAULTS_OPTIONS:
        if name in specs:
            given[name] = getattr(interface, name)
    try:
        kind.clean_options(given)
    except kinds.OptionError as error:
        raise ValidationError({"config": str(error)}) from None


def _check_formats(interface):
    from finance.dataformats.dates import FormatError, tokenize

    errors = {}
    try:
        tokenize(interface.date_format)
    except FormatError:
        errors["date_format"] = (f"'{interface.date_format}' is not a date format: use tokens such as dd, MM, MMM, yy "
                                 "and yyyy (capital MM is the month; mm is minutes).")
    try:
        parts = tokenize(interface.datetime_format)
        if "HH" not in parts:
            raise FormatError
    except FormatError:
        errors["datetime_format"] = (f"'{interface.datetime_format}' is not a date and time format: it needs a date and "
                                     "HH:mm, for example dd/MM/yyyy HH:mm.")
    if errors:
        raise ValidationError(errors)


def _check_batch_series(tenant, batch_series):
    from finance.ledger.models import NumberSeries

    if batch_series is not None and (batch_series.tenant_id != tenant.pk or batch_series.kind != NumberSeries.Kind.BATCH):
        raise ValidationError({"batch_series": "Choose one of this environment's batch series."})


@transaction.atomic
def interface_create(*, tenant, actor, description, kind, enabled=True, batch_series=None, date_format=None,
                     datetime_format=None, config=None, owner=None):
    """Create an interface of a registered kind whose feature (if it needs one) is enabled; its date
    formats default to the kind's own (a bank format's dd/MM/yy) or else the environment's."""
    description = _check_description(tenant, description)
    kind_obj = kinds.get(kind)
    if kind_obj is None and actor is not None:
        raise ValidationError({"kind": f"'{kind}' is not an interface type of this installation."})
    if not feature_enabled(tenant, kind_obj):
        # The same check as the New form and run_request: the service refuses whoever calls it.
        raise ValidationError({"kind": feature_refusal(kind_obj)})
    kind_defaults = kind_obj.defaults() if kind_obj else {}
    interface = Interface(
        tenant=tenant, description=description, kind=kind, enabled=enabled, batch_series=batch_series,
        date_format=date_format or kind_defaults.get("date_format") or tenant.date_format,
        datetime_format=datetime_format or kind_defaults.get("datetime_format") or tenant.datetime_format,
        config=dict(config or {}), owner=owner if owner is not None else actor,
    )
    _check_batch_series(tenant, batch_series)
    _check_formats(interface)
    _check_config(kind_obj, interface)
    interface.full_clean(exclude=["tenant", "batch_series", "owner"])
    interface.save()
    event_record(
        tenant=tenant, user=actor, action="interface.created", obj=interface, interface=interface,
        message=f"Interface '{description}' ({kind}) created.", after={"kind": kind, **_interface_state(interface)},
    )
    interface_created.send(sender=Interface, interface=interface, actor=actor)
    return interface


@transaction.atomic
def interface_update(*, interface, actor, **changes):
    """Change the fields of INTERFACE_FIELDS given in `changes`; records before and after."""
    unknown = set(changes) - set(INTERFACE_FIELDS)
    if unknown:
        raise TypeError(f"interface_update cannot change {sorted(unknown)}")
    interface = Interface.objects.select_for_update(of=("self",)).select_related("batch_series", "owner").get(pk=interface.pk)
    before = _interface_state(interface)
    if "description" in changes:
        changes["description"] = _check_description(interface.tenant, changes["description"], exclude_pk=interface.pk)
    for name, value in changes.items():
        setattr(interface, name, value)
    _check_batch_series(interface.tenant, interface.batch_series)
    _check_formats(interface)
    _check_config(kinds.get(interface.kind), interface)
    interface.full_clean(exclude=["tenant", "batch_series", "owner"])
    after = _interface_state(interface)
    if after == before:
        return interface
    interface.save()
    changed = [name for name in after if after[name] != before[name]]
    event_record(
        tenant=interface.tenant, user=actor, action="interface.updated", obj=interface, interface=interface,
        message=f"Interface '{interface.description}' changed: {', '.join(n.replace('_', ' ') for n in changed)}.",
        before={n: before[n] for n in changed}, after={n: after[n] for n in changed},
    )
    return interface


def interface_set_enabled(*, interface, actor, enabled):
    return interface_update(interface=interface, actor=actor, enabled=bool(enabled))


def _copy_description(tenant, description):
    base = f"{description} (copy)"
    candidate, n = base, 2
    while Interface.objects.filter(tenant=tenant, description__iexact=candidate).exists():
        candidate, n = f"{description} (copy {n})", n + 1
    return candidate[:200]


@transaction.atomic
def interface_clone(*, interface, actor, description=None):
    """A new interface with the same type, defaults and configuration, disabled until checked;
    refused like `interface_create` while the type's feature is off."""
    copy = interface_create(
        tenant=interface.tenant, actor=actor, description=description or _copy_description(interface.tenant, interface.description),
        kind=interface.kind, enabled=False, batch_series=interface.batch_series, date_format=interface.date_format,
        datetime_format=interface.datetime_format, config=interface.config, owner=actor,
    )
    event_record(tenant=interface.tenant, user=actor, action="interface.cloned", obj=copy, interface=copy,
                 message=f"Interface '{copy.description}' cloned from '{interface.description}'.",
                 after={"source": str(interface.uuid)})
    return copy


# --- The Imports folder ---------------------------------------------------------------------------

def _chunks(content):
    if isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
        for start in range(0, len(data), CHUNK):
            yield data[start:start + CHUNK]
        return
    if hasattr(content, "chunks"):  # Django's File and UploadedFile
        yield from content.chunks(CHUNK)
        return
    while True:
        block = content.read(CHUNK)
        if not block:
            return
        if isinstance(block, str):
            block = block.encode("utf-8")
        yield block


def megabytes(n):
    """A size limit as people say it: 100 MB, 512 KB."""
    if n < 1024 * 1024:
        return f"{n / 1024:g} KB"
    return f"{n / (1024 * 1024):g} MB"


@transaction.atomic
def import_file_store(*, tenant, interface, run=None, kind, name, content, actor, check_text=True):
    """Store `content` (bytes or a file-like object) in the tenant's Imports folder.

    The content is streamed through a spooled temporary file while its size and sha256 are
    computed, so memory stays bounded. Input files must be non-empty text; every file must fit
    in IMPORT_MAX_BYTES. The stored name is generated, never the user's.
    """
    original = os.path.basename(str(name or "").replace("\\", "/")).strip() or "file"
    limit = settings.IMPORT_MAX_BYTES
    digest, size, head = hashlib.sha256(), 0, b""
    with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
        for block in _chunks(content):
            size += len(block)
            if size > limit:
                raise ImportFileRejected(f"File is larger than {megabytes(limit)} ('{original}').")
            if len(head) < SNIFF_BYTES:
                head += block[: SNIFF_BYTES - len(head)]
            digest.update(block)
            spool.write(block)
        if kind == ImportFileKind.INPUT and check_text:
            if size == 0:
                raise ImportFileRejected(f"'{original}' is empty; there is nothing to import.")
            if b"\x00" in head:
                raise ImportFileRejected(f"'{original}' is not a text file (it contains binary data).")
        spool.seek(0)
        stored = default_storage.save(f"imports/{tenant.uuid}/{uuid.uuid4().hex}", File(spool))
    record = ImportFile(
        tenant=tenant, interface=interface, run=run, kind=kind, original_name=original[:255], stored_name=stored,
        size=size, sha256=digest.hexdigest(), content_type=mimetypes.guess_type(original)[0] or "application/octet-stream",
        created_by=actor,
    )
    try:
        record.save()
    except Exception:
        default_storage.delete(stored)
        raise
    event_record(
        tenant=tenant, user=actor, action="import_file.stored", obj=record, interface=interface,
        run_ref=run.uuid if run else "", message=f"File '{original}' ({size} bytes) stored in the Imports folder.",
        after={"name": original, "size": size, "sha256": record.sha256, "kind": kind},
    )
    return record


# --- Runs -----------------------------------------------------------------------------------------

def _started_by(run):
    if run.triggered_by_id:
        return run.triggered_by.email
    return {RunTrigger.SCHEDULE: "the scheduler", RunTrigger.COMMAND: "the command line"}.get(run.trigger, "the system")


def _busy_message(interface):
    active = Run.objects.select_related("triggered_by").filter(interface_id=interface.pk, status__in=ACTIVE_STATUSES).first()
    if active is None:
        return f"{interface.description} is already running."
    return f"{interface.description} is already running (run {active.short_id}, started by {_started_by(active)})."


def _file_parts(item):
    """(name, content) of an item of `files`: a (name, content) pair or a file object with a name."""
    if isinstance(item, (tuple, list)):
        return item[0], item[1]
    return getattr(item, "name", "file"), item


def run_request(*, interface, action="run", actor=None, trigger, files=(), options=None, dry_run=False, since=None,
                enqueue=True):
    """Queue a run of `interface`: check the request, store the files, create the queued Run.

    The Celery task `run_execute` is enqueued when the transaction commits (the command passes
    `enqueue=False` and executes the run itself). Raises RunRequestError with a one-line message.
    """
    stored = []
    try:
        return _run_request(interface=interface, action=action, actor=actor, trigger=trigger, files=files,
                            options=options, dry_run=dry_run, since=since, enqueue=enqueue, stored=stored)
    except BaseException:
        for name in stored:  # the rows rolled back; the bytes must not linger
            default_storage.delete(name)
        raise


def run_refusal(*, interface, action, options=None, feature_on=None):
    """Why a run of `interface` cannot be requested, in one line; None when it can. `feature_on`
    may pass the catalog's answer when the caller asked it already (the scheduler, in bulk)."""
    kind = kinds.get(interface.kind)
    if kind is None:
        return f"{interface.description} has the type '{interface.kind}', which this installation does not know."
    if not (feature_enabled(interface.tenant, kind) if feature_on is None else feature_on):
        return feature_refusal(kind)
    if not interface.enabled:
        return f"{interface.description} is disabled; enable it before running it."
    if action not in kind.actions:
        return f"{kind.label} cannot '{action}'; it offers: {', '.join(kind.actions)}."
    try:
        kind.clean_options(options, interface)
    except kinds.OptionError as error:
        return str(error)
    return None


NO_OPTIONS = {}  # shared by the runs of runs_request_many that have none (never changed in place)
_RUN_FIELDS = ("tenant", "uuid", "interface", "action", "status", "options", "dry_run", "trigger", "triggered_by")
_EVENT_FIELDS = ("tenant", "uuid", "at", "user", "actor", "severity", "action", "interface", "run_ref", "object_type",
                 "object_uuid", "object_repr", "message", "after")


@transaction.atomic
def runs_request_many(*, requests, trigger, enqueue=True):
    """`run_request` for many runs at once, without files (the scheduler's dispatch tick): the
    same checks (`run_refusal`), and for each request the same queued Run and "run.requested" Event
    log row, written with multi-row inserts. `requests` is a list of dicts with `interface`,
    `action`, optional `actor`, `options` and `feature_on`. Returns one (run id, refusal) pair per
    request, in order: a refused request (a busy interface included, as the database's
    one-active-run constraint decides) has run id None.

    The runs are sent to the workers after the commit through one `runs_enqueue` task per
    environment, so the caller never waits for thousands of broker round trips.
    """
    results = [None] * len(requests)
    pending = []  # (index, row of _RUN_FIELDS)
    for i, req in enumerate(requests):
        interface = req["interface"]
        action = req.get("action", "run")
        refusal = run_refusal(interface=interface, action=action, options=req.get("options"), feature_on=req.get("feature_on"))
        if refusal:
            results[i] = (None, refusal)
            continue
        actor = req.get("actor")
        options = {k: v if isinstance(v, (bool, int)) else str(v) for k, v in req["options"].items()} if req.get("options") else NO_OPTIONS
        pending.append((i, [interface.tenant_id, uuid.uuid4(), interface.pk, action, RunStatus.QUEUED, options, False,
                            trigger, actor.pk if actor is not None else None]))
    created = []  # (index, run id, row)
    if pending:
        try:
            with transaction.atomic():
                ids = copy_rows(Run, _RUN_FIELDS, [row for _, row in pending], returning_id=True)
            created = [(i, pk, row) for (i, row), pk in zip(pending, ids)]
        except IntegrityError:
            # An interface became busy since the caller looked: one savepoint each, as run_request does.
            for i, row in pending:
                try:
                    with transaction.atomic():
                        [pk] = copy_rows(Run, _RUN_FIELDS, [row], returning_id=True)
                except IntegrityError:
                    results[i] = (None, _busy_message(requests[i]["interface"]))
                else:
                    created.append((i, pk, row))
    label = RunTrigger(trigger).label
    verbose = Run._meta.verbose_name
    now = timezone.now()
    events = []
    afters = {}  # one object per distinct value: copy_rows serialises each object once
    for i, pk, row in created:
        results[i] = (pk, None)
        interface, actor = requests[i]["interface"], requests[i].get("actor")
        run_uuid = str(row[1])
        if row[5]:
            after = {"action": row[3], "options": row[5], "dry_run": False, "files": 0}
        else:
            after = afters.get(row[3]) or afters.setdefault(row[3], {"action": row[3], "options": {}, "dry_run": False, "files": 0})
        events.append([
            row[0], uuid.uuid4(), now, row[8], actor.email if actor is not None else "system", EventSeverity.INFO,
            "run.requested", interface.pk, run_uuid, verbose, run_uuid, f"Run {row[1].hex[:8]} of {interface.pk}",
            f"{interface.description}: {row[3]} requested ({label}).", after,
        ])
    if events:
        copy_rows(Event, _EVENT_FIELDS, events)
    if enqueue and created:
        by_tenant = {}
        for _, pk, row in created:
            by_tenant.setdefault(row[0], []).append(pk)
        transaction.on_commit(lambda: runs_enqueue_many(by_tenant=by_tenant))
    return results


def runs_enqueue_many(*, by_tenant, queue=None):
    """Send one `runs_fan_out` message for runs queued in bulk ({tenant id: [run ids]}); a worker
    splits it into one `runs_enqueue` per environment, which sends each run's `run_execute` (to
    `queue` too, when one is named). A run whose message is lost is sent again by
    `runs_resend_lost`."""
    from .tasks import runs_fan_out

    route = {"queue": queue} if queue else {}
    runs_fan_out.apply_async(kwargs={"by_tenant": {str(k): v for k, v in by_tenant.items()}, "queue": queue}, **route)


@transaction.atomic
def _run_request(*, interface, action, actor, trigger, files, options, dry_run, since, enqueue, stored):
    refusal = run_refusal(interface=interface, action=action, options=options)
    if refusal:
        raise RunRequestError(refusal)
    kind = kinds.get(interface.kind)
    files = list(files or ())
    if files and not kind.accepts_files:
        raise RunRequestError(f"{kind.label} does not take files.")
    if kind.files_required and action == "run" and not files:
        raise RunRequestError(f"{kind.label} needs a file to import.")
    if kind.max_files and len(files) > kind.max_files:
        raise RunRequestError(f"{kind.label} imports one file per run; you gave {len(files)}.")
    run = Run(
        tenant=interface.tenant, interface=interface, action=action, status=RunStatus.QUEUED,
        options={k: v if isinstance(v, (bool, int)) else str(v) for k, v in (options or {}).items()},
        since=since, dry_run=dry_run, trigger=trigger, triggered_by=actor,
    )
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        raise RunRequestError(_busy_message(interface)) from None
    for item in files:
        name, content = _file_parts(item)
        # Kinds that check their files themselves (the file pipeline's §1.1 errors) get them as sent.
        record = import_file_store(tenant=interface.tenant, interface=interface, run=run, kind=ImportFileKind.INPUT,
                                   name=name, content=content, actor=actor, check_text=not kind.checks_files)
        stored.append(record.stored_name)
    event_record(
        tenant=interface.tenant, user=actor, action="run.requested", obj=run, interface=interface, run_ref=run.uuid,
        message=f"{interface.description}: {action} requested ({run.get_trigger_display()}{', dry run' if dry_run else ''}).",
        after={"action": action, "options": run.options, "dry_run": dry_run, "files": len(files)},
    )
    if enqueue:
        transaction.on_commit(lambda: run_enqueue(run=run))
    return run


def run_enqueue(*, run, **apply_options):
    """Send `run_execute` for `run` to the workers."""
    from .tasks import run_execute

    run_execute.apply_async(kwargs={"tenant_id": run.tenant_id, "run_id": run.pk}, **apply_options)


@transaction.atomic
def run_claim(*, run):
    """Move `run` from queued to running; True only for the one caller that won."""
    now = timezone.now()
    won = Run.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=now, heartbeat_at=now, attempt=F("attempt") + 1,
    ) == 1
    run.refresh_from_db()
    if won:
        event_record(tenant=run.tenant, user=run.triggered_by, action="run.started", obj=run, interface=run.interface,
                     run_ref=run.uuid, message=f"{run.interface.description}: run started (attempt {run.attempt}).")
    return won


def run_heartbeat(*, run):
    """Record that the run is alive; returns whether someone asked to cancel it."""
    Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(heartbeat_at=timezone.now())
    return bool(Run.objects.filter(pk=run.pk).values_list("cancel_requested", flat=True).first())


def run_progress(*, run, done, total):
    """Record progress (and a heartbeat); returns whether someone asked to cancel the run."""
    run.progress_done, run.progress_total = max(0, int(done)), max(0, int(total))
    Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        progress_done=run.progress_done, progress_total=run.progress_total, heartbeat_at=timezone.now(),
    )
    return bool(Run.objects.filter(pk=run.pk).values_list("cancel_requested", flat=True).first())


class SideChannel:
    """A second PostgreSQL connection, in autocommit, for a run's progress while the worker's own
    connection is inside a long write transaction, and a third for its messages, written by a
    thread of their own. On other databases it does nothing.

    Their commits do not wait for the WAL to reach the disk (`synchronous_commit = off`): a run's
    messages and progress are written often and read as they come, and the run's own end (its
    status, written on the worker's connection with an ordinary commit) flushes the WAL before it,
    so a finished run's messages are as durable as the run. A server crash can lose only the last
    moments of a run that then counts as stale anyway."""

    PENDING_BATCHES = 2  # message batches waiting for the writer before `messages` waits

    def __init__(self):
        from django.db import connection

        self.conn = None
        self._writer = None  # the messages' thread, started with the first batch
        self._queue = None
        self._error = None
        if connection.vendor == "postgresql":
            import psycopg

            self._params = connection.get_connection_params()
            try:
                self.conn = self._connect()
            except psycopg.Error:
                logger.warning("No side connection for run progress", exc_info=True)

    def _connect(self):
        import psycopg

        conn = psycopg.connect(**self._params, autocommit=True)
        try:
            conn.execute("SET synchronous_commit TO off")
        except BaseException:
            conn.close()
            raise
        return conn

    def _sees(self, run):
        """Whether the run's row is committed (visible to this connection): it always is in a
        worker; a test that holds everything in one transaction keeps its messages in memory."""
        if getattr(self, "_seen", None) is None:
            table = Run._meta.db_table
            self._seen = self.conn.execute(f'SELECT 1 FROM "{table}" WHERE id = %s', (run.pk,)).fetchone() is not None  # noqa: S608
        return self._seen

    def progress(self, *, run, done, total):
        """Record progress and a heartbeat; True if someone asked to cancel the run."""
        if self.conn is None:
            return False
        table = Run._meta.db_table
        row = self.conn.execute(
            f'UPDATE "{table}" SET progress_done = %s, progress_total = %s, heartbeat_at = %s '  # noqa: S608 - our table name
            "WHERE id = %s AND status = 'running' RETURNING cancel_requested",
            (max(0, int(done)), max(0, int(total)), timezone.now(), run.pk),
        ).fetchone()
        return bool(row and row[0])

    def messages(self, *, run, messages):
        """Append messages (dicts as for `run_messages_add`, each with its seq), committed at once
        whatever becomes of the worker's transaction. False when there is no side connection.

        The batch is handed to the messages' thread, which writes it with COPY on its own
        connection while the worker goes on (PostgreSQL stores them on another core); this waits
        only when PENDING_BATCHES are still waiting, and raises what writing an earlier batch
        raised. `close` waits for them all."""
        if self.conn is None or not self._sees(run):
            return False
        self._raise_failure()
        head = f"{run.tenant_id}\t{run.pk}\t"
        data = "".join(
            f"{head}{m['seq']}\t{m['severity']}\t{copytext.NULL if m.get('row') is None else int(m['row'])}\t"
            f"{copytext.text(str(m['column'])[:200]) if m.get('column') else copytext.NULL}\t"
            f"{copytext.NULL if m.get('value') is None else copytext.text(str(m['value'])[:500])}\t"
            f"{copytext.text(str(m['message']))}\n"
            for m in messages).encode("utf-8")  # built here: the thread only sends it (see copytext)
        if self._writer is None:
            self._start_writer()
        self._queue.put(data)
        return True

    def _start_writer(self):
        import queue

        conn = self._connect()
        table = RunMessage._meta.db_table
        columns = ", ".join(f'"{name}"' for name in COPY_MESSAGE_FIELDS)
        statement = f'COPY "{table}" ({columns}) FROM STDIN'
        self._queue = queue.Queue(maxsize=self.PENDING_BATCHES)

        def write():
            try:
                while (data := self._queue.get()) is not None:
                    if self._error is not None:
                        continue  # drain: the worker learns of the failure at its next batch or the close
                    try:
                        with conn.cursor() as cursor, cursor.copy(statement) as copy:
                            copy.write(data)
                    except BaseException as error:  # noqa: BLE001 - raised again in the worker's thread
                        self._error = error
            finally:
                conn.close()

        self._writer = threading.Thread(target=write, name="run-messages-copy", daemon=True)
        self._writer.start()

    def _raise_failure(self):
        error, self._error = self._error, None
        if error is not None:
            raise error

    def wait(self):
        """Wait until every batch handed over is written (the thread ends); raises what failed."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = self._queue = None
        self._raise_failure()

    def close(self):
        try:
            self.wait()
        finally:
            if self.conn is not None:
                self.conn.close()
                self.conn = None


def run_message_add(*, run, severity, message, row=None, column=None, value=None, seq=None):
    """Append one message to the run (the engine batches these with `run_messages_add`)."""
    return run_messages_add(run=run, messages=[dict(severity=severity, message=message, row=row, column=column,
                                                     value=value, seq=seq)])[0]


def run_messages_add(*, run, messages):
    """Append messages (dicts of severity, message, row, column, value and optionally seq)."""
    next_seq = None
    rows = []
    for m in messages:
        seq = m.get("seq")
        if seq is None:
            if next_seq is None:
                next_seq = (RunMessage.objects.filter(run=run).aggregate(n=Max("seq"))["n"] or 0) + 1
            seq, next_seq = next_seq, next_seq + 1
        rows.append(RunMessage(
            tenant=run.tenant, run=run, seq=seq, severity=m["severity"], row=m.get("row"),
            column=str(m["column"])[:200] if m.get("column") else None,
            value=str(m["value"])[:500] if m.get("value") is not None else None,
            message=str(m["message"]),
        ))
    return _insert_messages(rows)


COPY_MESSAGE_FIELDS = ("tenant_id", "run_id", "seq", "severity", "row", "column", "value", "message")


def _insert_messages(rows):
    """Many messages (a file's duplicates, say) go in with PostgreSQL's COPY; a few, or on other
    databases, with a bulk insert."""
    from django.db import connection

    if connection.vendor != "postgresql" or len(rows) < 50:
        return RunMessage.objects.bulk_create(rows)
    table = RunMessage._meta.db_table
    columns = ", ".join(f'"{name}"' for name in COPY_MESSAGE_FIELDS)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
        for message in rows:
            copy.write_row([getattr(message, name) for name in COPY_MESSAGE_FIELDS])
    return rows


@transaction.atomic
def run_requeue(*, run, message):
    """Put a running run back in the queue for another attempt (a retryable failure)."""
    done = Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.QUEUED, message=message, progress_done=0, progress_total=0,
    ) == 1
    if done:
        RunMessage.objects.filter(run=run).delete()
        event_record(tenant=run.tenant, action="run.retrying", obj=run, interface=run.interface, run_ref=run.uuid,
                     severity=EventSeverity.WARNING, message=f"{run.interface.description}: {message}")
    run.refresh_from_db()
    return done


@transaction.atomic
def run_finish(*, run, status, counts=None, message=""):
    """Finish a running run with its counts and a message; False if it was no longer running."""
    if status not in FINISHED_STATUSES:
        raise ValueError(f"run_finish cannot set status {status!r}")
    values = {name: int((counts or {}).get(name, 0)) for name in COUNT_NAMES}
    now = timezone.now()
    done = Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=status, message=message, finished_at=now, heartbeat_at=now, **values,
    ) == 1
    run.refresh_from_db()
    if done:
        severity = {RunStatus.SUCCEEDED: EventSeverity.INFO, RunStatus.CANCELLED: EventSeverity.INFO,
                    RunStatus.COMPLETED_WITH_ERRORS: EventSeverity.WARNING}.get(status, EventSeverity.ERROR)
        event_record(
            tenant=run.tenant, user=run.triggered_by, action="run.finished", obj=run, interface=run.interface,
            run_ref=run.uuid, severity=severity, after={"status": status, **values},
            message=f"{run.interface.description}: {run.get_status_display().lower()}. {message}".strip(),
        )
        run_notify_finished(run=run)
        run_finished.send(sender=Run, run=run)
    return done


@transaction.atomic
def run_cancel(*, run, actor):
    """Cancel a queued run at once; ask a running one to stop at its next heartbeat."""
    now = timezone.now()
    if Run.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.CANCELLED, cancel_requested=True, finished_at=now, message="Cancelled before it started.",
    ):
        text = "cancelled before it started"
    elif Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(cancel_requested=True):
        text = "cancel requested; the run stops at its next checkpoint"
    else:
        run.refresh_from_db()
        raise RunRequestError(f"Run {run.short_id} has already finished ({run.get_status_display().lower()}).")
    run.refresh_from_db()
    event_record(tenant=run.tenant, user=actor, action="run.cancelled", obj=run, interface=run.interface,
                 run_ref=run.uuid, message=f"{run.interface.description}: {text}.")
    run_notify_finished(run=run)  # a queued run ends here; a running one when the engine finishes it
    return run


def runs_reconcile_stale(*, older_than):
    """Fail running runs whose heartbeat is older than `older_than` (a timedelta), so the
    interface can be requested again. Works in the active scope (disabled for all tenants)."""
    cutoff = timezone.now() - older_than
    failed = []
    for run in Run.objects.select_related("interface", "tenant").filter(status=RunStatus.RUNNING, heartbeat_at__lt=cutoff):
        minutes = max(1, round(older_than.total_seconds() / 60))
        message = (f"The run stopped answering (no heartbeat for over {minutes} minute{'s' if minutes != 1 else ''}) "
                   "and was marked as failed; it can be requested again.")
        with transaction.atomic():
            if Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING, heartbeat_at=run.heartbeat_at).update(
                status=RunStatus.FAILED, finished_at=timezone.now(), message=message,
            ):
                event_record(tenant=run.tenant, action="run.reconciled", obj=run, interface=run.interface,
                             run_ref=run.uuid, severity=EventSeverity.ERROR, message=f"{run.interface.description}: {message}")
                run_notify_finished(run=run)
                failed.append(run)
    return failed


def runs_resend_lost(*, older_than):
    """Send again the queued runs that no worker claimed within `older_than` (the broker may have
    lost their message: the filesystem transport drops one if a worker dies holding it). Sending
    twice is harmless: only one claim can move a run from queued to running."""
    cutoff = timezone.now() - older_than
    lost = list(Run.objects.filter(status=RunStatus.QUEUED, created_at__lt=cutoff))
    for run in lost:
        run_enqueue(run=run)
    return lost


# --- Telling the user who started a run that it ended ---------------------------------------------

NOTICE_LEVELS = {RunStatus.SUCCEEDED: "success", RunStatus.COMPLETED_WITH_ERRORS: "warning",
                 RunStatus.FAILED: "danger", RunStatus.CANCELLED: "info"}


def run_notify_finished(*, run):
    """Give the user who requested the finished `run` a notice, and queue an e-mail for after commit.

    Runs without a user (the scheduler, the command line) and users no longer active in the
    environment notify nobody. Returns the notice, or None. Never raises: telling the user must
    not undo the end of the run it reports.
    """
    try:
        with transaction.atomic():
            return _run_notify(run)
    except Exception:
        logger.exception("Could not notify the user who requested run %s", run.uuid)
        return None


def _run_notify(run):
    run.refresh_from_db()
    user = run.triggered_by
    if user is None or run.status not in FINISHED_STATUSES or not user.is_active:
        return None
    if not Membership.objects.filter(tenant=run.tenant, user=user, is_active=True).exists():
        return None
    status = run.get_status_display().lower()
    path = reverse("interfaces:run", kwargs={"tenant_slug": run.tenant.slug, "run_id": run.uuid})
    notice = notice_create(tenant=run.tenant, user=user, level=NOTICE_LEVELS[run.status], url=path,
                           title=f"{run.interface.description}: {status}", message=run.message)
    subject = " ".join(f"[{run.tenant.name}] {run.interface.description}: {status}".split())
    body = render_to_string("interfaces/run_finished_email.txt",
                            {"run": run, "user": user, "status": status, "url": settings.SITE_URL + path})
    run_uuid, to = run.uuid, user.email

    def send():
        try:
            send_mail(subject, body, None, [to])
        except Exception:  # the run has ended either way; a mail server's trouble must not change that
            logger.exception("Could not send the end-of-run e-mail of run %s", run_uuid)

    transaction.on_commit(send)
    return notice


# --- Imports folder retention ---------------------------------------------------------------------

RETENTION_MAX_DAYS = 3650
PURGE_BATCH = 500


@transaction.atomic
def imports_retention_set(*, tenant, actor, days):
    """Set how many days the Imports folder keeps its files (0 keeps them forever)."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= RETENTION_MAX_DAYS:
        raise ValidationError({"days": f"Enter a whole number of days from 0 to {RETENTION_MAX_DAYS} (0 keeps files forever)."})
    before = tenant.imports_retention_days
    if days == before:
        return tenant
    tenant.imports_retention_days = days
    tenant.save(update_fields=["imports_retention_days"])
    event_record(
        tenant=tenant, user=actor, action="imports.retention_set", obj=tenant,
        message=f"Imports folder retention set to {_retention_words(days)} (was {_retention_words(before)}).",
        before={"imports_retention_days": before}, after={"imports_retention_days": days},
    )
    return tenant


def _retention_words(days):
    return "keep forever" if not days else f"{days} day{'s' if days != 1 else ''}"


def import_files_purge(*, tenant, now=None):
    """Remove the tenant's Imports folder files older than its retention, never a file of a queued or
    running run. Rows go in one transaction with one Event log entry; the bytes after it commits.
    Returns (files, bytes) removed."""
    days = tenant.imports_retention_days
    if not days:
        return 0, 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = (ImportFile.objects.filter(tenant=tenant, created_at__lt=cutoff)
           .exclude(run__status__in=ACTIVE_STATUSES).order_by("pk"))
    files = size = 0
    stored = []
    with transaction.atomic():
        last = 0
        while batch := list(old.filter(pk__gt=last).values_list("pk", "stored_name", "size")[:PURGE_BATCH]):
            last = batch[-1][0]
            ImportFile.objects.filter(tenant=tenant, pk__in=[pk for pk, _, _ in batch]).delete()
            stored.extend(name for _, name, _ in batch)
            files += len(batch)
            size += sum(n for _, _, n in batch)
        if files:
            event_record(
                tenant=tenant, action="imports.purged", severity=EventSeverity.INFO,
                message=f"{files} file{'s' if files != 1 else ''} ({size} bytes) older than {_retention_words(days)} "
                        "removed from the Imports folder.",
                after={"files": files, "bytes": size, "retention_days": days, "older_than": cutoff.isoformat()},
            )
            transaction.on_commit(lambda: _storage_delete(stored))
    return files, size


def _storage_delete(names):
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # a file left behind wastes space; it must not stop the others going
            logger.exception("Could not delete %s from storage", name)
