"""Small helpers the CSV bank layouts share: numbered records, header names and cell readers that
append the catalogue's errors to a record instead of raising."""

import csv

from finance.dataformats import cells

from ..tabular import Record, file_error, normalise_header


def records(stream, delimiter):
    """(record number, cells) for every record of a CSV text stream, blank ones included (§1.3)."""
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    row = 0
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise file_error(f"The file is not a readable text file: {error}") from None
        row += 1
        yield row, raw


def blank(raw):
    return not any(c.strip() for c in raw)


def header_index(raw, row, known=None):
    """normalised name -> position for the header record `raw`; a name that appears twice is F04.
    With `known` (normalised -> name), only those names are indexed and the others are returned as
    unknown (for the "not recognised" warning)."""
    index, unknown = {}, []
    for position, cell in enumerate(raw):
        key = normalise_header(cell)
        if not key:
            continue  # an empty header cell (a trailing delimiter): it and the cells beneath it are ignored
        if known is not None and key not in known:
            if not key.startswith("_"):
                unknown.append(cell.strip())
            continue
        if key in index:
            raise file_error(f"Duplicate column '{cell.strip()}'", row=row, column=cell.strip())
        index[key] = position
    return index, unknown


def too_long(raw, width):
    """E22 when a record has non-empty cells beyond the header."""
    if len(raw) > width and any(c.strip() for c in raw[width:]):
        return f"Row has {len(raw)} cells but the header has {width}"
    return None


def text(value):
    """A text cell as stored: an apostrophe we put before a formula character is dropped (§1.5)."""
    return cells.unescape_formula(value)


def amount(errors, column, value, *, required=False, not_negative=False):
    """A free-form amount, or None (blank or in error); errors go to `errors`."""
    if not value:
        if required:
            errors.append((column, value, f"{column} is required"))
        return None
    try:
        result = cells.amount(value)
    except cells.CellError as error:
        errors.append((column, value, str(error)))
        return None
    if not_negative and result < 0:
        errors.append((column, value, f"{column} must not be negative"))
        return None
    return result


def date(errors, job, column, value, *, required=False):
    if not value:
        if required:
            errors.append((column, value, f"{column} is required"))
        return None
    try:
        return job.date(column, value)
    except cells.CellError as error:
        errors.append((column, value, str(error)))
        return None


def credit_minus_debit(errors, credit_column, credit_text, debit_column, debit_text):
    """Amount = credit - debit, where exactly one of the two is filled (not blank, not zero) and
    neither is negative (B04, E18); None when the pair is in error."""
    before = len(errors)
    credit = amount(errors, credit_column, credit_text, not_negative=True)
    debit = amount(errors, debit_column, debit_text, not_negative=True)
    if len(errors) > before:
        return None
    if bool(credit) == bool(debit):  # both filled, or neither
        errors.append((None, None, f"Exactly one of {credit_column} and {debit_column} must be filled in"))
        return None
    return (credit or 0) - (debit or 0)


def data_records(rows, index, width, line_of):
    """Record objects for the data rows (row number, cells) of a CSV bank layout: blank rows
    skipped, present columns by `index`, an over-long row's error, and the parsed BankLine from
    `line_of(record, values)` in `values["_line"]`."""
    for row, raw in rows:
        if blank(raw):
            continue
        values = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
        record = Record(row=row, values=values, raw=raw)
        message = too_long(raw, width)
        if message:
            record.errors.append((None, None, message))
        record.values["_line"] = line_of(record, values)
        yield record
