"""Writing many rows at once without model instances: PostgreSQL's COPY, else multi-row inserts.

For the paths that write thousands of rows in one transaction (the scheduler's dispatch tick).
Like `bulk_create`, nothing here calls `save()` or sends signals, so callers write their Event log
rows themselves (with these same functions).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone


def _missing_defaults(model, fields):
    """The concrete fields not given, with the value each takes (their constant default, or the
    time for auto_now fields), as bulk_create would give them."""
    missing = [f for f in model._meta.concrete_fields if f not in fields and not f.primary_key]
    now = timezone.now()
    values = []
    for field in missing:
        if field.has_default() and callable(field.default):
            raise ValueError(f"Give the field {model.__name__}.{field.name}: its default is computed per row")
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        values.append(now if auto else field.get_default())
    return missing, values


def copy_rows(model, names, rows, *, returning_id=False):
    """Insert `rows` (sequences of Python values, one per field of `names`) into `model`'s table;
    returns the new ids in row order with `returning_id`.

    On PostgreSQL the rows go through one COPY (ids taken from the table's sequence first); on
    other databases through multi-row INSERTs. Fields not named take their constant default.
    """
    from finance.contacts.services import _insert_rows

    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _insert_rows(model, names, rows, returning_id=returning_id)
    fields = [model._meta.get_field(name) for name in names]
    missing, defaults = _missing_defaults(model, fields)
    json_at = [i for i, f in enumerate(fields + missing) if isinstance(f, models.JSONField)]
    table = model._meta.db_table
    pk = model._meta.pk.column
    columns = [f.column for f in fields + missing]
    connection.ensure_connection()
    ids = []
    with connection.connection.cursor() as cursor:
        if returning_id:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        texts = {}  # JSON values go as their text, serialised once per object (rows often share one)
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for n, row in enumerate(rows):
                values = [*row, *defaults]
                for i in json_at:
                    value = values[i]
                    if value is not None:
                        text = texts.get(id(value))
                        if text is None:
                            text = texts[id(value)] = (json.dumps(value, cls=DjangoJSONEncoder), value)
                        values[i] = text[0]
                copy.write_row([ids[n], *values] if returning_id else values)
    return ids
