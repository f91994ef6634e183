"""Rows for PostgreSQL's COPY in its text format, built as one string by the caller, so that the
thread that sends them (see `kinds.bank.common.LinesWriter` and `services.SideChannel`) only waits
on the socket and hardly needs the interpreter lock: a thread that formats row after row competes
with the worker's own Python for it and is let in only every few milliseconds.

A field is its text with backslash, tab, newline and carriage return escaped; `NULL` is a null."""

import re

NULL = "\\N"
_SPECIAL = re.compile(r"[\\\t\n\r]")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value):
    """A text field (a str), escaped."""
    return value.translate(_ESCAPES) if _SPECIAL.search(value) else value


def optional(value):
    """A str, or NULL for None."""
    return NULL if value is None else text(value)


def decimal(value):
    """A Decimal in plain notation (never an exponent), or NULL for None."""
    return NULL if value is None else f"{value:f}"


def day(value):
    """A date as yyyy-mm-dd, or NULL for None."""
    return NULL if value is None else value.isoformat()
