"""Barclays.Net statement file (import-formats §7): the "CSV Transactions" export, one file for one
or several accounts, an optional title line, the header found among the first 10 records."""

import csv
import io
import re

from finance.dataformats import cells

from ..base import DateFormat, Option
from ..tabular import DELIMITERS, Record, file_error
from .common import BankLine, BankStatementKind, bank_options

REQUIRED = ("ACCOUNT NO", "BANK CODE", "ENTRY DATE", "AMOUNT", "DESCRIPTION")
KNOWN = ("GROUP", "ACC ID", "ACCOUNT NO", "TYPE", "BANK CODE", "CURR", "ENTRY DATE", "AS AT", "AMOUNT", "TLA CODE",
         "CHEQUE NO", "STATUS", "DESCRIPTION")
TRANSACTION_TYPES = {"", "MEMO", "TRANSACTION"}
BALANCE_TYPES = {"BALANCE", "OPENING BALANCE", "CLOSING BALANCE", "SUMMARY"}
ACCOUNT_NO = re.compile(r"\d{1,8}")
SORT_CODE = re.compile(r"\d{2}-?\d{2}-?\d{2}")
COLUMN_NAMES = {"description": "DESCRIPTION", "cheque_no": "CHEQUE NO", "reference": "CHEQUE NO", "type": "TLA CODE"}


class Reader:
    def __init__(self, stream, *, delimiter, options):
        self.reader = csv.reader(stream, delimiter=delimiter, quotechar='"', strict=False)
        self.options = options
        self.warnings = []
        self.present = set()
        self.header_row = 0
        self.index = {}
        for row in range(1, 11):
            try:
                cells_ = next(self.reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise file_error(f"The file is not a readable text file: {error}") from None
            names = [" ".join(c.split()).upper() for c in cells_]
            if all(name in names for name in REQUIRED):
                self.header_row = row
                self.index = {name: names.index(name) for name in KNOWN if name in names}
                self.present = set(self.index)
                return
        raise file_error("Header row not found: expected columns " + ", ".join(REQUIRED))

    def records(self):
        row = self.header_row
        columns = list(self.index.items())
        width = max(self.index.values()) + 1
        while True:
            try:
                raw = next(self.reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise file_error(f"The file is not a readable text file: {error}") from None
            row += 1
            if not "".join(raw).strip():  # blank: every cell empty or whitespace
                continue
            if len(raw) >= width:
                values = {name: raw[i].strip() for name, i in columns}
            else:
                values = {name: (raw[i].strip() if i < len(raw) else "") for name, i in columns}
            record = Record(row=row, values=values, raw=raw)
            line = self._line(record, values)
            record.values["_line"] = line
            yield record

    def _line(self, record, v):
        line = BankLine(account_column="ACCOUNT NO", currency_column="CURR", column_names=COLUMN_NAMES)
        errors = record.errors
        kind, as_at, status = v.get("TYPE", "").upper(), v.get("AS AT", "").upper(), v.get("STATUS", "").upper()
        if kind in BALANCE_TYPES:
            line.skip = f"TYPE {v['TYPE']}"
        elif kind not in TRANSACTION_TYPES:
            errors.append(("TYPE", v["TYPE"], f"Unknown TYPE value '{v['TYPE']}'"))
        if as_at == "INTRADAY":
            if not self.options.get("include_intraday"):
                line.skip = line.skip or f"AS AT {v['AS AT']}"
        elif as_at not in ("", "CLOSE"):
            errors.append(("AS AT", v["AS AT"], f"Unknown AS AT value '{v['AS AT']}'"))
        if status == "U":
            if not self.options.get("include_uncleared"):
                line.skip = line.skip or "STATUS U (uncleared)"
        elif status not in ("", "C"):
            errors.append(("STATUS", v["STATUS"], f"Unknown STATUS value '{v['STATUS']}'"))
        if line.skip or errors:
            return line  # a skipped record is not validated further
        account = v.get("ACCOUNT NO", "")
        line.account_text = account
        if ACCOUNT_NO.fullmatch(account):
            line.account_no = account.zfill(8)
        else:
            errors.append(("ACCOUNT NO", account, f"Invalid account number '{account}': expected 8 digits"))
        sort = v.get("BANK CODE", "")
        if SORT_CODE.fullmatch(sort):
            line.sort_code = sort.replace("-", "")
        else:
            errors.append(("BANK CODE", sort, f"Invalid sort code '{sort}': expected 6 digits"))
        text = v.get("ENTRY DATE", "")
        if not text:
            errors.append(("ENTRY DATE", text, "ENTRY DATE is required"))
        else:
            try:
                line.date = self.options["_job"].date("ENTRY DATE", text)
            except cells.CellError as error:
                errors.append(("ENTRY DATE", text, str(error)))
        text = v.get("AMOUNT", "")
        try:
            line.amount = cells.amount_plain(text) if text else None
            if line.amount is None:
                errors.append(("AMOUNT", text, "AMOUNT is required"))
        except cells.CellError as error:
            errors.append(("AMOUNT", text, str(error)))
        line.currency = v.get("CURR", "")
        line.type = v.get("TLA CODE", "")
        line.cheque_no = v.get("CHEQUE NO", "")
        line.reference = line.cheque_no
        line.description = v.get("DESCRIPTION", "")
        return line


class BarclaysNet(BankStatementKind):
    key = "barclays_net"
    label = "Barclays.Net statement file"
    options = bank_options(
        delimiter=Option(str, ",", label="Column separator", choices=[(",", "Comma"), (";", "Semicolon"), ("tab", "Tab")]),
        date_format=Option(DateFormat, "dd/MM/yy", label="Date format"),
        include_intraday=Option(bool, False, label="Include intraday lines"),
        include_uncleared=Option(bool, False, label="Include uncleared lines"),
    )

    def reader(self, ctx, handle, encoding):
        stream = io.TextIOWrapper(handle, encoding=encoding, newline="")
        options = dict(ctx.options, _job=ctx.job)
        try:
            return stream, Reader(stream, delimiter=DELIMITERS.get(ctx.options.get("delimiter", ","), ","), options=options)
        except BaseException:
            stream.detach()
            raise
