"""Co-op Bank statement text file (import-formats §8): fixed width, a few header lines skipped
unread, then one 106-character record per line; the amount in pence, its sign from the type."""

import io
import re
from decimal import Decimal

from finance.dataformats import cells

from ..base import DateFormat, Option
from ..tabular import Record
from .common import BankLine, BankStatementKind, bank_options

RECORD_LENGTH = 106
# (field, first position, last position), 1-based and inclusive (§8.1).
FIELDS = (
    ("sort_code", 1, 6), ("account_no", 7, 14), ("account_type", 15, 15), ("type", 16, 17),
    ("other_sort_code", 18, 23), ("other_account_no", 24, 31), ("reserved", 32, 35), ("amount", 36, 46),
    ("name", 47, 64), ("description", 65, 82), ("reference", 83, 100), ("date", 101, 106),
)
# Transaction type -> sign (§8.2).
SIGNS = {
    "01": -1, "11": -1, "17": -1, "18": -1, "19": -1, "20": -1, "30": -1, "32": -1, "35": -1, "40": -1, "50": -1,
    "60": 1, "61": 1, "64": 1, "70": 1, "99": 1,
}
CHEQUE = "11"


def split(line):
    """The record's fields, trimmed, by position."""
    return {name: line[first - 1:last].strip() for name, first, last in FIELDS}


class Reader:
    def __init__(self, stream, *, header_lines, job):
        self.stream = stream
        self.header_lines = header_lines
        self.job = job
        self.warnings = []
        self.present = {name for name, _, _ in FIELDS}

    def records(self):
        for row, text in enumerate(self.stream, start=1):
            if row <= self.header_lines:
                continue  # header lines are skipped without being read
            text = text.rstrip("\r\n")
            if not text.strip():
                continue
            if len(text) < RECORD_LENGTH:
                record = Record(row=row, values={}, raw=[text])
                record.errors.append((None, None, f"Line is {len(text)} characters long; expected at least {RECORD_LENGTH}"))
                yield record
                continue
            values = split(text)
            record = Record(row=row, values=values, raw=[text])
            record.values["_line"] = self._line(record, values)
            yield record

    def _line(self, record, v):
        line = BankLine(account_column="account_no",
                        column_names={"description": "description", "reference": "reference", "cheque_no": "description"})
        errors = record.errors
        if re.fullmatch(r"\d{6}", v["sort_code"]):
            line.sort_code = v["sort_code"]
        else:
            errors.append(("sort_code", v["sort_code"], f"Invalid sort code '{v['sort_code']}': expected 6 digits"))
        if re.fullmatch(r"\d{8}", v["account_no"]):
            line.account_no = v["account_no"]
        else:
            errors.append(("account_no", v["account_no"], f"Invalid account number '{v['account_no']}': expected 8 digits"))
        code = v["type"]
        sign = SIGNS.get(code)
        if sign is None:
            errors.append(("type", code, f"Unknown transaction type '{code}'"))
        pence = v["amount"]
        if not pence:
            errors.append(("amount", pence, "amount is required"))
        elif not pence.isascii() or not pence.isdigit():
            errors.append(("amount", pence, f"Cannot convert '{pence}' to amount"))
        elif sign is not None:
            line.amount = (Decimal(int(pence)) / 100).quantize(cells.CENT) * sign
        text = v["date"]
        if not text:
            errors.append(("date", text, "date is required"))
        else:
            try:
                line.date = self.job.date("date", text)
            except cells.CellError as error:
                errors.append(("date", text, str(error)))
        line.type = code
        line.description = " ".join(part for part in (v["description"], v["name"]) if part)
        line.reference = v["reference"]
        if code == CHEQUE:
            line.cheque_no = "".join(ch for ch in v["description"] if ch.isdigit())
            line.reference = line.reference or line.cheque_no
        return line


class CoopText(BankStatementKind):
    key = "coop_text"
    label = "Co-op Bank statement text file"
    error_columns = tuple(name for name, _, _ in FIELDS)  # a row's errors in layout order
    options = bank_options(
        date_format=Option(DateFormat, "yyMMdd", label="Date format"),
        header_lines=Option(int, 4, label="Header lines", help="Lines at the top of the file before the first record."),
    )

    def reader(self, ctx, handle, encoding):
        # Universal newlines: a record ends at CRLF, LF or CR (§1.1).
        stream = io.TextIOWrapper(handle, encoding=encoding, newline=None)
        return stream, Reader(stream, header_lines=max(0, ctx.options.get("header_lines", 4)), job=ctx.job)
