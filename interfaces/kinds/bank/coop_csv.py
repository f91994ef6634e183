"""Co-op Bank statement CSV, 2010 layout (import-formats §9): a preamble naming the account and the
cleared balance, a header found among the first 15 records, Credit and Debit columns, lines
newest first."""

import io
import re

from ..base import DateFormat, Option
from ..tabular import DELIMITERS, file_error, normalise_header
from . import csvrows
from .common import BankLine, BankStatementKind, bank_options, describe_identity

HEADER_SEARCH = 15
COLUMNS = ("Date", "Description", "Bank Reference", "Customer Reference", "Credit", "Debit", "Additional Information",
           "Running Balance")
KNOWN = {normalise_header(name): name for name in COLUMNS}
ACCOUNT_LABEL = "account:"
CLEARED_LABEL = "today's cleared balance:"
NO_ACCOUNT = "Cannot identify the bank account: no sort code and account number in 'Account:'"
NO_ACCOUNT_LINE = ("Cannot identify the bank account: the file has no 'Account:' line and no bank_account option is "
                   "set")


def _label(raw):
    return normalise_header(raw[0]).replace("\u2019", "'") if raw else ""


class Reader:
    def __init__(self, stream, *, delimiter, job):
        self.job = job
        self.rows = csvrows.records(stream, delimiter)
        self.warnings = []
        self.sort_code = self.account_no = ""
        self.closing_balance = None
        account_record = None
        for row, raw in self.rows:
            first = next((c for c in raw if c.strip()), "")
            names = [normalise_header(c) for c in raw]
            if normalise_header(first) == "date" and "credit" in names and "debit" in names:
                self._header(row, raw)
                break
            label = _label(raw)
            if label == ACCOUNT_LABEL and account_record is None:
                account_record = (row, raw[1] if len(raw) > 1 else "")
            elif label == CLEARED_LABEL and len(raw) > 1 and raw[1].strip():
                value = raw[1].strip()
                errors = []
                self.closing_balance = csvrows.amount(errors, "Today's Cleared Balance:", value)
                if errors:
                    self.warnings.append(f"Today's Cleared Balance '{value}' is not an amount; it was not stored")
            if row >= HEADER_SEARCH:
                raise file_error("Header row not found: expected columns Date, Credit, Debit")
        else:
            raise file_error("Header row not found: expected columns Date, Credit, Debit")
        self._account(account_record)

    def _header(self, row, raw):
        self.header_row = row
        index, unknown = csvrows.header_index(raw, row, KNOWN)
        self.index = {KNOWN[key]: position for key, position in index.items()}
        self.width = len(raw)
        self.present = set(self.index)
        self.warnings += [f"Column '{name}' is not recognised and was ignored" for name in unknown]
        if "Description" not in self.index:
            raise file_error("Missing mandatory column 'Description'", row=row, column="Description")

    def _account(self, account_record):
        """The account of the whole file, from the preamble's `Account:` record (§9.1)."""
        state = self.job.state
        if account_record is None:
            if state.get("default") is None:
                raise file_error(NO_ACCOUNT_LINE)
            return  # the lines carry no identity: the bank_account option's account
        row, text = account_record
        digits = re.match(r"\d*", re.sub(r"[\s-]", "", text)).group()
        if len(digits) != 14:
            raise file_error(NO_ACCOUNT, row=row)
        identity = ("sort", digits[:6], digits[6:])
        if state["accounts"].find(identity) is None:
            # Given once for the whole file: one error on the preamble record, nothing imported.
            raise file_error(describe_identity(identity), row=row)
        self.sort_code, self.account_no = identity[1], identity[2]

    def records(self):
        return csvrows.data_records(self.rows, self.index, self.width, self._line)

    def _line(self, record, v):
        errors = record.errors
        line = BankLine(sort_code=self.sort_code, account_no=self.account_no, closing_balance=self.closing_balance,
                        column_names={"type": "Description", "reference": "Customer Reference"})
        line.date = csvrows.date(errors, self.job, "Date", v["Date"], required=True)
        line.amount = csvrows.credit_minus_debit(errors, "Credit", v["Credit"], "Debit", v["Debit"])
        line.balance = csvrows.amount(errors, "Running Balance", v.get("Running Balance", ""))
        line.type = csvrows.text(v["Description"])
        line.description = " ".join(csvrows.text(part) for part in
                                    (v["Description"], v.get("Bank Reference", ""), v.get("Additional Information", ""))
                                    if part)
        line.reference = csvrows.text(v.get("Customer Reference", ""))
        return line


class CoopCsv(BankStatementKind):
    key = "coop_csv"
    label = "Co-op Bank statement CSV"
    newest_first = True
    error_columns = COLUMNS
    options = bank_options(
        delimiter=Option(str, ",", label="Column separator", choices=[(",", "Comma"), (";", "Semicolon"), ("tab", "Tab")]),
        date_format=Option(DateFormat, "dd/MM/yyyy", label="Date format"),
    )

    def reader(self, ctx, handle, encoding):
        stream = io.TextIOWrapper(handle, encoding=encoding, newline="")
        try:
            return stream, Reader(stream, delimiter=DELIMITERS.get(ctx.options.get("delimiter", ","), ","), job=ctx.job)
        except BaseException:
            stream.detach()
            raise
