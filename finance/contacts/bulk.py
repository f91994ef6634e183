"""COPY on PostgreSQL for the contacts an import creates, and a thread to send it from.

`copy_plan` turns rows of Python values into a COPY statement and its data, formatted as COPY
takes it (on the caller's thread: it reads Django's model metadata, and formatting is psycopg's
C code), with the ids it names in other tables; `copy_send` writes a plan on a psycopg cursor.
`BackgroundCopies` sends a chunk's COPYs from a thread of its own, inside the caller's
transaction, so that PostgreSQL stores one chunk (and checks its foreign keys) while the import
reads and checks the next: the import waits for it before it uses the connection again. The
thread runs almost no Python (it hands the data to libpq and waits for the server), so it does not
compete with the import for the interpreter.

Foreign keys, checked by set. A foreign key's trigger checks each row on its own: it looks its
reference up and locks it (`FOR KEY SHARE`), so that nobody deletes it before the commit. For a
chunk of 2,000 contacts that is some 19,000 lookups of a few dozen distinct rows (the
environment, the currency, the payment terms...), and most of the database's time. Where it may
(`BackgroundCopies.by_set`), a batch does the same once per distinct reference instead: it locks
and counts every row its COPYs name (`SELECT ... FOR KEY SHARE`), refuses the batch if one is
missing, and then sends the COPYs with the tables' triggers off for them alone
(`session_replication_role`, until the COPYs end). The guarantee is the same: every reference
exists and stays until the commit; references to rows the same batch inserts are checked against
the batch. Elsewhere (a role that may not set `session_replication_role`, a table with triggers
of its own, or `BULK_COPY_CHECK_REFERENCES_BY_SET = False`), the triggers check each row, at the
end of each COPY.
"""

import io
import operator
import sys
import threading
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, models

from finance.bulk import bulk_cursor, with_defaults

# While a batch is being sent, the caller's thread gives the interpreter up after this many seconds
# when the sending thread asks for it (Python's default, 5 ms, is much longer than the thread's
# own steps between two waits for the server, and it takes several per COPY).
SWITCH_INTERVAL = 0.0005

# Fields whose Python value psycopg's COPY writes as the database value (others are converted by
# their field first).
_COPY_AS_IS = (models.CharField, models.BooleanField, models.ForeignKey, models.BigAutoField, models.UUIDField,
               models.DateTimeField, models.DecimalField)


class ReferenceMissing(IntegrityError):
    """A row a batch's foreign key names is gone (deleted after the rows were checked): nothing
    of the batch was written. `field` is the model's field that names it."""

    def __init__(self, *, model, field, value, table):
        super().__init__(f"{model}: {field} {value!r} is not in {table} (it was deleted meanwhile); "
                         "nothing of the batch was written")
        self.field = field


class CopyPlan(NamedTuple):
    name: str  # the model's name, for messages
    statement: str
    data: bytes  # the rows in COPY's text format
    count: int  # rows
    table: str
    id_column: str  # the table's primary key
    ids: frozenset  # the primary keys the rows give (empty if they give none)
    references: tuple  # (table, column, field, frozenset of the values named), a foreign key each


def copy_plan(model, names, rows, *, database_defaults=()):
    """A `CopyPlan` for `rows` (sequences of Python values, one per field of `names`; fields not
    named take their constant default, or the database's for those of `database_defaults`)."""
    from psycopg import copy as psycopg_copy

    fields, rows = with_defaults(model, names, rows, database_defaults=database_defaults)
    references = []
    for n, f in enumerate(fields):
        if f.is_relation and f.many_to_one and f.db_constraint:
            named = frozenset(map(operator.itemgetter(n), rows))
            references.append((f.related_model._meta.db_table, f.target_field.column, f.name, named - {None}))
    pk = next((n for n, f in enumerate(fields) if f.primary_key), None)
    ids = frozenset(map(operator.itemgetter(pk), rows)) if pk is not None else frozenset()
    database = connections[DEFAULT_DB_ALIAS]
    converters = [None if isinstance(f, _COPY_AS_IS) else partial(f.get_db_prep_save, connection=database)
                  for f in fields]
    if any(converters):
        rows = [[value if convert is None or value is None else convert(value) for value, convert in zip(row, converters)]
                for row in rows]
    quote = connection.ops.quote_name
    statement = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
    data = io.BytesIO()
    # psycopg's own formatting, without sending anything (its documented FileWriter).
    with bulk_cursor() as cursor, psycopg_copy.Copy(cursor, writer=psycopg_copy.FileWriter(data)) as copy:
        write = copy.write_row
        for row in rows:
            write(row)
    return CopyPlan(model.__name__, statement, data.getvalue(), len(rows), model._meta.db_table, model._meta.pk.column, ids,
                    tuple(references))


def copy_send(cursor, plan):
    """Write a `copy_plan` with COPY, the fastest way in: one stream per table, no statement to
    parse or plan, no arrays to build. A row the database refuses (a code taken by a transaction
    that committed meanwhile) stops the COPY; the error says which of the rows it was."""
    import psycopg

    name, statement, data, count = plan[:4]
    try:
        with cursor.copy(statement) as copy:
            copy.write(data)
    except psycopg.Error as error:
        context = getattr(error.diag, "context", None) or ""
        line = context.rsplit(", line ", 1)[-1].split(":", 1)[0].split()[0] if ", line " in context else ""
        if line.isdigit():
            error.add_note(f"{name}: row {int(line)} of the {count} written together")
        raise


def references_check(plans):
    """(statement, parameters, what): one query that locks every row the plans' foreign keys
    name (`FOR KEY SHARE`, as a foreign key's trigger does for each row) and returns, as its
    first column, `session_replication_role` set to `replica` for the transaction, then, for
    each table referenced, the values it found; `what` is, for each such column, (table, {value:
    (plan name, field)}). Rows the plans insert themselves (by primary key) need no lookup."""
    inserted = {}  # (table, primary key) -> the values the plans give it
    for plan in plans:
        if plan.ids:
            inserted.setdefault((plan.table, plan.id_column), set()).update(plan.ids)
    wanted = {}  # (table, column) -> {value: (plan name, field)}
    for plan in plans:
        for table, column, field, named in plan.references:
            if (table, column) in inserted:
                named = named - inserted[(table, column)]
            of = wanted.setdefault((table, column), {})
            for value in named:
                of.setdefault(value, (plan.name, field))
    quote = connection.ops.quote_name
    columns, parameters, what = ["set_config('session_replication_role', 'replica', true)"], [], []
    for (table, column), of in sorted(wanted.items()):
        if of:
            columns.append(f"ARRAY(SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} = ANY(%s) "
                           "FOR KEY SHARE)")
            parameters.append(list(of))
            what.append((table, of))
    return f"SELECT {', '.join(columns)}", parameters, what


def references_missing(what, found):
    """A `ReferenceMissing` for the first reference of `references_check` not found, or None."""
    for (table, of), values in zip(what, found):
        missing = set(of) - set(values)
        if missing:
            value = min(missing)
            name, field = of[value]
            return ReferenceMissing(model=name, field=field, value=value, table=table)
    return None


class BackgroundCopies:
    """Sends batches of COPYs (lists of `copy_plan`s) one at a time from a thread, on the default
    connection's psycopg connection and so inside its transaction (PostgreSQL only).

    While a batch is being sent, nothing else may use the connection: `wait()` first (it raises
    what the batch raised; `quiet=True` on the way out of a failing run). The foreign keys of the
    tables written are checked by set before the COPYs where the connection may (`by_set`, see
    the module's docstring); otherwise (deferred to the commit by Django) at the end of each COPY,
    so that this work too overlaps the caller's, and a refused row is named by its COPY."""

    def __init__(self, tables):
        import psycopg

        connection.ensure_connection()
        self._conn = connection.connection
        self._cursor_class = psycopg.Cursor
        tables = [model._meta.db_table for model in tables]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c "
                "JOIN pg_namespace n ON n.oid = c.connamespace "
                "WHERE c.contype = 'f' AND c.condeferrable AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1",
                [tables],
            )
            names = ", ".join(row[0] for row in cursor.fetchall())
            self.by_set = getattr(settings, "BULK_COPY_CHECK_REFERENCES_BY_SET", True) and _may_check_by_set(
                cursor, tables)
        self._immediate = f"SET CONSTRAINTS {names} IMMEDIATE" if names else None
        self._deferred = f"SET CONSTRAINTS {names} DEFERRED" if names else None
        self._thread = None
        self._error = None
        self._switch = sys.getswitchinterval()
        self._taken = []

    def send(self, plans, *, then_take=None):
        """Send `plans` from the thread; with `then_take` (a model, a count), the thread then takes
        that many ids from the model's sequence, for `taken()` after `wait()`."""
        self.wait()
        # Built here: the thread should need the interpreter as little as possible.
        check = references_check(plans) if self.by_set else None
        take = None
        if then_take is not None and then_take[1] > 0:
            model, count = then_take
            take = ("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, count])
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread = threading.Thread(target=self._send, args=(plans, check, take), name="background-copies",
                                        daemon=True)
        self._thread.start()

    def taken(self):
        """The ids the last batch took (`send(then_take=...)`), once; wait() first."""
        ids, self._taken = self._taken, []
        return ids

    def _send(self, plans, check, take):
        from psycopg.pq import TransactionStatus

        origin = "SELECT set_config('session_replication_role', 'origin', true)"
        try:
            with self._cursor_class(self._conn) as cursor:
                if check is not None:
                    statement, parameters, what = check
                    cursor.execute(statement, parameters)
                    missing = references_missing(what, cursor.fetchone()[1:])
                    if missing:
                        cursor.execute(origin)
                        raise missing
                    after = origin
                else:
                    if self._immediate:
                        cursor.execute(self._immediate)
                    after = self._deferred
                try:
                    for plan in plans:
                        copy_send(cursor, plan)
                finally:
                    if after and self._conn.info.transaction_status != TransactionStatus.INERROR:
                        cursor.execute(after)
                if take is not None:
                    cursor.execute(*take)
                    self._taken = [row[0] for row in cursor.fetchall()]
        except BaseException as error:  # handed to the caller by wait()
            self._error = error

    def wait(self, *, quiet=False):
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            sys.setswitchinterval(self._switch)
        error, self._error = self._error, None
        if error is not None and not quiet:
            raise error


def _may_check_by_set(cursor, tables):
    """Whether this connection may turn the tables' triggers off for a COPY (it may set
    `session_replication_role`), and they have no triggers but their foreign keys' (which the
    set check replaces: any other would be skipped)."""
    granted = "has_parameter_privilege('session_replication_role', 'SET')" if connection.pg_version >= 150000 else "false"
    cursor.execute(
        f"SELECT current_setting('is_superuser') = 'on' OR {granted},"
        " EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal)",
        [tables],
    )
    may_set, other_triggers = cursor.fetchone()
    return bool(may_set) and not other_triggers
