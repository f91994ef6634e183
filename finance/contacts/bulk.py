"""COPY on PostgreSQL for the contacts an import creates, and a thread to send it from.

`copy_plan` turns rows of Python values into a COPY statement and its data, formatted as COPY
takes it (on the caller's thread: it reads Django's model metadata, and formatting is psycopg's
C code); `copy_send` writes a plan on a psycopg cursor. `BackgroundCopies` sends a chunk's COPYs
from a thread of its own, inside the caller's transaction, so that PostgreSQL stores one chunk
(and checks its foreign keys) while the import reads and checks the next: the import waits for it
before it uses the connection again. The thread runs almost no Python (it hands the data to libpq
and waits for the server), so it does not compete with the import for the interpreter.
"""

import io
import threading
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from finance.bulk import bulk_cursor, with_defaults

# Fields whose Python value psycopg's COPY writes as the database value (others are converted by
# their field first).
_COPY_AS_IS = (models.CharField, models.BooleanField, models.ForeignKey, models.BigAutoField, models.UUIDField,
               models.DateTimeField, models.DecimalField)


def copy_plan(model, names, rows):
    """(model name, COPY statement, the rows' data in COPY's text format, number of rows) for
    `rows` (sequences of Python values, one per field of `names`; fields not named take their
    constant default)."""
    from psycopg import copy as psycopg_copy

    fields, rows = with_defaults(model, names, rows)
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
    return model.__name__, statement, data.getvalue(), len(rows)


def copy_send(cursor, plan):
    """Write a `copy_plan` with COPY, the fastest way in: one stream per table, no statement to
    parse or plan, no arrays to build. A row the database refuses (a code taken by a transaction
    that committed meanwhile) stops the COPY; the error says which of the rows it was."""
    import psycopg

    name, statement, data, count = plan
    try:
        with cursor.copy(statement) as copy:
            copy.write(data)
    except psycopg.Error as error:
        context = getattr(error.diag, "context", None) or ""
        line = context.rsplit(", line ", 1)[-1].split(":", 1)[0].split()[0] if ", line " in context else ""
        if line.isdigit():
            error.add_note(f"{name}: row {int(line)} of the {count} written together")
        raise


class BackgroundCopies:
    """Sends batches of COPYs (lists of `copy_plan`s) one at a time from a thread, on the default
    connection's psycopg connection and so inside its transaction (PostgreSQL only).

    While a batch is being sent, nothing else may use the connection: `wait()` first (it raises
    what the batch raised; `quiet=True` on the way out of a failing run). The foreign keys of the
    tables written (deferred to the commit by Django) are checked at the end of each COPY instead,
    so that this work too overlaps the caller's, and a refused row is named by its COPY."""

    def __init__(self, tables):
        import psycopg

        connection.ensure_connection()
        self._conn = connection.connection
        self._cursor_class = psycopg.Cursor
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c "
                "JOIN pg_namespace n ON n.oid = c.connamespace "
                "WHERE c.contype = 'f' AND c.condeferrable AND c.conrelid = ANY(%s::regclass[]) ORDER BY 1",
                [[model._meta.db_table for model in tables]],
            )
            names = ", ".join(row[0] for row in cursor.fetchall())
        self._immediate = f"SET CONSTRAINTS {names} IMMEDIATE" if names else None
        self._deferred = f"SET CONSTRAINTS {names} DEFERRED" if names else None
        self._thread = None
        self._error = None

    def send(self, plans):
        self.wait()
        self._thread = threading.Thread(target=self._send, args=(plans,), name="background-copies", daemon=True)
        self._thread.start()

    def _send(self, plans):
        from psycopg.pq import TransactionStatus

        try:
            with self._cursor_class(self._conn) as cursor:
                if self._immediate:
                    cursor.execute(self._immediate)
                try:
                    for plan in plans:
                        copy_send(cursor, plan)
                finally:
                    if self._deferred and self._conn.info.transaction_status != TransactionStatus.INERROR:
                        cursor.execute(self._deferred)
        except BaseException as error:  # handed to the caller by wait()
            self._error = error

    def wait(self, *, quiet=False):
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        error, self._error = self._error, None
        if error is not None and not quiet:
            raise error

