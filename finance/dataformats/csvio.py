"""Writing CSV the way every produced file and export does (import-formats §1.5 and §1.9):
UTF-8 with BOM, comma, CRLF, minimal quoting, and text cells that a spreadsheet would run as a
formula prefixed with one apostrophe (amounts, dates and codes never are, so -12.50 stays -12.50)."""

import csv
import io

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(column, text):
    if column.is_text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def iter_csv(columns, rows, *, chunk_rows=500):
    """Yield the CSV as encoded chunks; `rows` yields dicts of already formatted strings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    buffer.write(BOM)
    writer.writerow([c.name for c in columns])
    for n, row in enumerate(rows, 1):
        writer.writerow([neutralise(c, row.get(c.name, "")) for c in columns])
        if n % chunk_rows == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
