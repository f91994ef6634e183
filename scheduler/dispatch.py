"""The dispatch tick: start every due scheduled task once.

One tick, every minute from django-celery-beat (or `manage.py scheduler_tick`):

1. reads the enabled tasks whose `next_execution` is due;
2. computes each one's following execution in its time zone and **claims** the task with one
   conditional UPDATE per chunk: `next_execution` moves only where it still holds the value read,
   so of two dispatchers exactly one wins each task (on PostgreSQL the other's UPDATE waits for the
   winner's commit and then finds nothing to claim; SQLite takes its write lock at the
   transaction's start and serialises ticks);
3. for the tasks it won, decides: start a run, or skip with a reason (interface busy, disabled,
   feature off, the kind's minimum interval, a missed execution under the *skip* policy, past
   *execute until*); the runs are requested through `interfaces.services.runs_request_many`, the
   bulk form of `run_request` with the same checks, and sent to the workers after the commit;
4. records one `ScheduledExecution` per claim and an Event log row for every skip.

Everything happens in one transaction per chunk: a tick that dies halfway leaves the tasks it had
not committed due, and the next tick takes them (no run lost); a committed claim has moved
`next_execution`, so no tick starts it again (no duplicate). Runs committed but never sent are sent
again by the run engine's reconcile task.
"""

import json
import logging
import uuid
from collections import namedtuple
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from finance.audit.models import Event, Severity
from finance.bulk import copy_rows
from finance.catalog.models import Feature
from finance.tenancy import scope
from interfaces import kinds
from interfaces.models import ACTIVE_STATUSES, Interface, Run, RunTrigger
from interfaces.services import runs_request_many

from .models import ExecutionOutcome, ExecutionTrigger, MissedPolicy, ScheduledExecution, ScheduledTask
from .patterns import PatternError
from .services import next_execution_for

logger = logging.getLogger(__name__)

CHUNK = 10000  # due tasks per transaction (SQLite: fewer, for its limit on a statement's parameters)


def _chunk():
    return CHUNK if connection.vendor == "postgresql" else 5000


def _grace():
    """How late an execution may be and still count as on time (not missed)."""
    return timedelta(seconds=getattr(settings, "SCHEDULER_MISSED_AFTER_SECONDS", 180))


def min_interval_seconds(kind):
    """The kind's minimum interval between scheduled runs (a Cin7 sync: one hour), or 0."""
    value = getattr(kind, "schedule_min_interval_seconds", 0) or 0
    setting = getattr(kind, "schedule_min_interval_setting", "")
    if setting:
        value = getattr(settings, setting, value)
    return int(value)


def _claim(rows, now):
    """Move each row's next_execution on where it still holds the value read; returns the ids won."""
    if not rows:
        return set()
    table = ScheduledTask._meta.db_table
    update = (f"UPDATE {table} SET next_execution = v.new_next, last_execution = %s FROM v "
              f"WHERE {table}.id = v.id AND {table}.next_execution = v.old_next AND {table}.enabled RETURNING {table}.id")
    if connection.vendor == "postgresql":
        # Three arrays bound on the server: one short statement whatever the number of tasks.
        import psycopg

        ids, olds, news = (list(column) for column in zip(*rows))
        sql = "WITH v AS (SELECT * FROM UNNEST(%b::bigint[], %b::timestamptz[], %b::timestamptz[]) AS v(id, old_next, new_next)) " + update
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, [ids, olds, news, now])
            return {row[0] for row in cursor.fetchall()}
    params = []
    for task_id, old, new in rows:
        params += [task_id, _db_dt(old), _db_dt(new)]
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH v(id, old_next, new_next) AS (VALUES {values}) " + update, params + [_db_dt(now)])
        return {row[0] for row in cursor.fetchall()}


def _db_dt(value):
    if value is None:
        return None
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def tick(*, now=None, limit=None, enqueue=True):
    """Run one dispatch tick at `now` (default: the current time). Returns a dict of counts:
    claimed, started, skipped. `enqueue=False` leaves the runs queued without sending them to
    the workers (tests that run the engine themselves)."""
    now = now or timezone.now()
    totals = {"claimed": 0, "started": 0, "skipped": 0}
    with scope.disabled():
        seen = set()
        while True:
            done = _tick_chunk(now, seen, totals, enqueue)
            if not done or (limit and totals["claimed"] >= limit):
                break
    return totals


# A due task as the tick reads it: the columns it needs, no model instance.
_Due = namedtuple("_Due", ("pk", "uuid", "tenant_id", "interface_id", "description", "action", "pattern", "execute_until",
                           "missed_policy", "next_execution"))
# What the checks of a run request read of an interface (`run_refusal`, the kind's options).
_Interface = namedtuple("_Interface", ("pk", "tenant_id", "description", "kind", "enabled", "config", "date_format",
                                       "datetime_format"))


def _tick_chunk(now, seen, totals, enqueue):
    """One chunk of due tasks in one transaction; returns how many tasks it read."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The tick's claim and its runs commit together or not at all; a crash that loses the
            # last commit loses both (the tasks are due again at the next tick), so this
            # transaction need not wait for its WAL to reach the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        due = ScheduledTask._base_manager.filter(enabled=True, next_execution__lte=now)
        if seen:
            due = due.exclude(pk__in=seen)
        tasks = list(map(_Due._make, due.order_by("next_execution", "pk").values_list(*_Due._fields)[:_chunk()]))
        if not tasks:
            return 0
        claims = []
        following = {}
        cache = {}  # the same pattern and end date at the same moment: the same next execution
        for task in tasks:
            key = (json.dumps(task.pattern, sort_keys=True), task.execute_until)
            if key not in cache:
                try:
                    cache[key] = next_execution_for(task, now)
                except PatternError as error:  # a pattern stored before a rule tightened: stop it, say why
                    cache[key] = None
                    logger.warning("Scheduled task %s has an invalid pattern: %s", task.pk, error)
            following[task.pk] = cache[key]
            claims.append((task.pk, task.next_execution, following[task.pk]))
        won = _claim(claims, now)
        # A task read but not won (another dispatcher moved it meanwhile) is not read again.
        seen.update(t.pk for t in tasks if t.pk not in won)
        tasks = [t for t in tasks if t.pk in won]
        totals["claimed"] += len(tasks)
        if tasks:
            _start(tasks, following, now, totals, enqueue)
        return len(claims)


_EXECUTION_FIELDS = ("tenant", "task", "run", "trigger", "due_at", "at", "outcome", "reason")
_EVENT_FIELDS = ("tenant", "uuid", "at", "actor", "severity", "action", "interface", "object_type", "object_uuid",
                 "object_repr", "message")


def _start(tasks, following, now, totals, enqueue):
    interface_ids = {t.interface_id for t in tasks}
    interfaces = {row.pk: row for row in map(_Interface._make, Interface._base_manager.filter(pk__in=interface_ids)
                                              .values_list(*_Interface._fields))}
    # Active runs are few (bounded by the workers), so all of them are read rather than filtered.
    busy = set(Run._base_manager.filter(status__in=ACTIVE_STATUSES).values_list("interface_id", flat=True))
    features = set(Feature._base_manager.filter(enabled=True).values_list("tenant_id", "key"))
    capped = {}
    for interface in interfaces.values():
        kind = kinds.get(interface.kind)
        seconds = min_interval_seconds(kind) if kind else 0
        if seconds:
            capped[interface.pk] = seconds
    last_started = {}
    if capped:
        last_started = dict(
            Run._base_manager.filter(interface_id__in=capped).values("interface_id")
            .annotate(last=Max(Coalesce("started_at", "created_at"))).values_list("interface_id", "last")
        )
    grace = _grace()
    requests, owners = [], []
    executions, events = [], []
    taken = set()
    verbose = ScheduledTask._meta.verbose_name

    def event(task, severity, action, message):
        events.append([task.tenant_id, uuid.uuid4(), now, "system", severity, action, task.interface_id, verbose,
                       str(task.uuid), task.description[:300], message])

    def skip(task, interface, reason, severity=Severity.WARNING):
        executions.append([task.tenant_id, task.pk, None, ExecutionTrigger.SCHEDULE, task.next_execution, now,
                           ExecutionOutcome.SKIPPED, reason])
        event(task, severity, "scheduler.task.skipped", f"Scheduled task '{task.description}' skipped: {reason}")
        totals["skipped"] += 1

    for task in tasks:
        interface = interfaces[task.interface_id]
        kind = kinds.get(interface.kind)
        late = now - task.next_execution
        if late > grace and task.missed_policy == MissedPolicy.SKIP:
            skip(task, interface, f"the execution due at {task.next_execution:%Y-%m-%d %H:%M} UTC was missed "
                                  "(the scheduler was not running) and the task skips missed executions.", Severity.INFO)
            continue
        if task.interface_id in busy or task.interface_id in taken:
            skip(task, interface, f"a run of {interface.description} is already in progress.")
            continue
        seconds = capped.get(task.interface_id)
        previous = last_started.get(task.interface_id)
        if seconds and previous is not None and now - previous < timedelta(seconds=seconds):
            label = kind.label if kind else interface.kind
            skip(task, interface, f"{label} synchronisation skipped: last run started at "
                                  f"{previous:%Y-%m-%d %H:%M} UTC (at most one every {_words(seconds)}).", Severity.INFO)
            continue
        feature = getattr(kind, "feature", "") if kind else ""
        taken.add(task.interface_id)
        requests.append({"interface": interface, "action": task.action,
                         "feature_on": (not feature) or (task.tenant_id, feature) in features})
        owners.append(task)
    results = runs_request_many(requests=requests, trigger=RunTrigger.SCHEDULE, enqueue=enqueue) if requests else []
    for task, (run_id, refusal) in zip(owners, results):
        if run_id is None:
            skip(task, interfaces[task.interface_id], refusal)
            continue
        executions.append([task.tenant_id, task.pk, run_id, ExecutionTrigger.SCHEDULE, task.next_execution, now,
                           ExecutionOutcome.STARTED, ""])
        totals["started"] += 1
    # Tasks past their execute-until date have no next execution: they stop, and say so once.
    for task in tasks:
        if following.get(task.pk) is None:
            until = f" (execute until {task.execute_until.isoformat()})" if task.execute_until else ""
            event(task, Severity.INFO, "scheduler.task.finished",
                  f"Scheduled task '{task.description}' has no further execution{until}.")
    copy_rows(ScheduledExecution, _EXECUTION_FIELDS, executions)
    copy_rows(Event, _EVENT_FIELDS, events)


def _words(seconds):
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        return f"{seconds // 60} minutes"
    return f"{seconds} seconds"
