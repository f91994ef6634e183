"""Writing many rows at once without model instances: multi-row inserts (`insert_rows`, UNNEST
arrays on PostgreSQL) and PostgreSQL's COPY (`copy_rows`).

For the paths that write thousands of rows in one transaction (imports, the scheduler's tick).
Like `bulk_create`, nothing here calls `save()` or sends signals, so callers write their Event log
rows themselves (with these same functions).
"""

import json
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone


def with_defaults(model, names, rows, *, database_defaults=()):
    """(fields, rows): the fields of `names`, then those not named with their (constant) default
    appended to every row, as bulk_create gives them (auto_now fields take the time). Fields of
    `database_defaults` are left out, for the database's own default to fill."""
    fields = [model._meta.get_field(name) for name in names]
    missing = [f for f in model._meta.concrete_fields
               if f not in fields and not f.primary_key and f.name not in database_defaults]
    if missing:
        computed = [f.name for f in missing if f.has_default() and callable(f.default)]
        if computed:
            raise ValueError(f"Give the fields of {model.__name__} whose default is computed per row: {computed}")
        now = timezone.now()
        defaults = [now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
                    for f in missing]
        rows = [(*row, *defaults) for row in rows]
        fields += missing
    return fields, rows


# Fields whose Python value is already the database value (others go through get_db_prep_save).
_AS_IS = (models.CharField, models.BooleanField, models.ForeignKey)
# Rows per INSERT statement at most (SQLite's limit on parameters may make it fewer).
INSERT_ROWS = 5000


def insert_rows(model, names, rows, *, returning_id=False):
    """Insert `rows` (sequences of Python values, one per field of `names`) into `model`'s table,
    several rows per statement; returns the new ids in row order with `returning_id`. Fields not
    named take their (constant) default.

    The lean path of `bulk_create` for imports of many rows: no model instances, each value
    converted as its field converts it for the database. Like `bulk_create`, it calls no `save()`
    and sends no signals."""
    fields, rows = with_defaults(model, names, rows)
    database = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    converters = [None if isinstance(f, _AS_IS) else partial(f.get_db_prep_save, connection=database) for f in fields]
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning_id else ""
    unnest = connection.vendor == "postgresql"
    if unnest:
        # One array per column, as Django's own bulk_create does on PostgreSQL: a short statement
        # whatever the number of rows (no limit on parameters, little to parse and plan).
        head += "SELECT * FROM UNNEST(" + ", ".join(f"(%b)::{f.db_type(connection).split('(')[0]}[]" for f in fields) + ")"
        size = INSERT_ROWS
    else:
        head += "VALUES "
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = max(1, min(INSERT_ROWS, connection.ops.bulk_batch_size(fields, rows) if rows else 1))
    ids = []
    with bulk_cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = [[value if convert is None or value is None else convert(value) for value, convert in zip(row, converters)]
                     for row in rows[start:start + size]]
            if unnest:
                cursor.execute(head + tail, [list(column) for column in zip(*batch)])
            else:
                cursor.execute(head + ", ".join([one] * len(batch)) + tail, [value for row in batch for value in row])
            if returning_id:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def bulk_cursor():
    """A cursor of the default connection, inside its transaction. On PostgreSQL a psycopg cursor
    with server-side binding, so the arrays can go in binary form (%b): Django's own cursor binds
    on the client, where every array element is quoted as text in Python (five times slower)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def copy_rows(model, names, rows, *, returning_id=False):
    """Insert `rows` (sequences of Python values, one per field of `names`) into `model`'s table;
    returns the new ids in row order with `returning_id`.

    On PostgreSQL the rows go through one COPY (ids taken from the table's sequence first); on
    other databases through multi-row INSERTs. Fields not named take their constant default.
    """
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return insert_rows(model, names, rows, returning_id=returning_id)
    fields, rows = with_defaults(model, names, rows)
    json_at = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    table = model._meta.db_table
    pk = model._meta.pk.column
    columns = [f.column for f in fields]
    connection.ensure_connection()
    ids = []
    # Django's error classes (IntegrityError...) for what psycopg raises, as for any query.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        if returning_id:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        texts = {}  # JSON values go as their text, serialised once per object (rows often share one)
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for n, row in enumerate(rows):
                values = list(row)
                for i in json_at:
                    value = values[i]
                    if value is not None:
                        text = texts.get(id(value))
                        if text is None:
                            text = texts[id(value)] = (json.dumps(value, cls=DjangoJSONEncoder), value)
                        values[i] = text[0]
                copy.write_row([ids[n], *values] if returning_id else values)
    return ids
