"""Bank statement CSV (custom) (import-formats §10): any bank's CSV described by configuration (a
separator, lines to skip at the top and bottom, a date format and a mapping from the file's header
texts to statement fields, the `map.*` options), or, with `layout=canonical`, the canonical
statement layout of §6.7 that our produced files and `export_data bank_statements` write."""

import io
import re
from collections import deque

from finance.contacts.validators import iban_is_valid
from finance.dataformats.columns import BANK_STATEMENT_COLUMNS

from ..base import DateFormat, Option
from ..tabular import DELIMITERS, FileRejected, Record, file_error, normalise_header
from . import csvrows
from .common import BankLine, BankStatementKind, bank_options
from .mapping import FIELD_LABELS, FIELDS, PREFIX, MappedFieldsSection, mapped, mapping_problems

CANONICAL = {normalise_header(c.name): c.name for c in BANK_STATEMENT_COLUMNS}
CANONICAL_REQUIRED = ("bank_account", "date", "amount")
TEXT_FIELDS = ("description", "reference", "type", "cheque_no", "transaction_id")


def _records_after_header(rows, footer):
    """The non-blank records after the header, holding back the last `footer` of them."""
    held = deque()
    for row, raw in rows:
        if csvrows.blank(raw):
            continue
        held.append((row, raw))
        if len(held) > footer:
            yield held.popleft()


class MappedReader:
    """The mapped layout: `header_skip_lines` records, then the header, then data records."""

    def __init__(self, stream, *, options, job):
        self.job = job
        self.options = options
        self.mapping = mapped(options)  # field -> header text as configured
        self.rows = csvrows.records(stream, DELIMITERS.get(options.get("delimiter", ","), ","))
        self.warnings = []
        skip = max(0, options.get("header_skip_lines") or 0)
        header = None
        for row, raw in self.rows:
            if row <= skip or csvrows.blank(raw):
                continue
            header = (row, raw)
            break
        if header is None:
            raise file_error("Header row not found: expected columns " + ", ".join(self.mapping.values()))
        row, raw = header
        wanted = {normalise_header(text): text for text in self.mapping.values()}
        index, _ = csvrows.header_index(raw, row, wanted)
        missing = [text for key, text in wanted.items() if key not in index]
        if missing:
            raise FileRejected(*[(row, text, f"Missing mandatory column '{text}'") for text in missing])
        self.header_row = row
        self.width = len(raw)
        self.position = {field: index[normalise_header(text)] for field, text in self.mapping.items()}
        self.present = set(self.mapping.values())
        self.footer = max(0, options.get("footer_skip_lines") or 0)

    def records(self):
        for row, raw in _records_after_header(self.rows, self.footer):
            # Keyed by statement field, so a row in error shows its cells under the produced file's columns.
            values = {f: (raw[i].strip() if i < len(raw) else "") for f, i in self.position.items()}
            record = Record(row=row, values=values, raw=raw)
            message = csvrows.too_long(raw, self.width)
            if message:
                record.errors.append((None, None, message))
            record.values["_line"] = self._line(record, dict(values))
            yield record

    def _line(self, record, v):
        errors, job, names = record.errors, self.job, self.mapping
        line = BankLine(currency_column=names.get("currency"),
                        column_names={f: names[f] for f in TEXT_FIELDS if f in names})
        line.date = csvrows.date(errors, job, names["date"], v["date"], required=True)
        if "value_date" in names:
            line.value_date = csvrows.date(errors, job, names["value_date"], v["value_date"])
        line.amount = self._amount(errors, v)
        if "balance" in names:
            line.balance = csvrows.amount(errors, names["balance"], v["balance"])
        for name in TEXT_FIELDS:
            setattr(line, name, csvrows.text(v.get(name, "")))
        line.currency = v.get("currency", "")
        self._identity(errors, line, v)
        return line

    def _amount(self, errors, v):
        names, options = self.mapping, self.options
        mode = options.get("amount_mode", "signed")
        if mode == "debit_credit":
            value = csvrows.credit_minus_debit(errors, names["credit"], v["credit"], names["debit"], v["debit"])
        elif mode == "indicator":
            value = csvrows.amount(errors, names["amount"], v["amount"], required=True, not_negative=True)
            flag, column = v["indicator"], names["indicator"]
            if not flag:
                errors.append((column, flag, f"{column} is required"))
                value = None
            elif flag.upper() == str(options.get("credit_value", "CR")).strip().upper():
                pass
            elif flag.upper() == str(options.get("debit_value", "DR")).strip().upper():
                value = -value if value is not None else None
            else:
                errors.append((column, flag, f"Unknown {column} value '{flag}'"))
                value = None
        else:
            value = csvrows.amount(errors, names["amount"], v["amount"], required=True)
        if value is not None and options.get("invert_sign"):
            value = -value
        return value

    def _identity(self, errors, line, v):
        names = self.mapping
        if "sort_code" in names and (v["sort_code"] or v["account_no"]):
            sort, number = v["sort_code"], v["account_no"]
            line.account_column = names["account_no"]
            digits = re.sub(r"[\s-]", "", sort)
            if re.fullmatch(r"\d{6}", digits):
                line.sort_code = digits
            else:
                errors.append((names["sort_code"], sort, f"Invalid sort code '{sort}': expected 6 digits"))
            if re.fullmatch(r"\d{1,8}", number):
                line.account_no = number.zfill(8)  # spreadsheets drop leading zeros
            else:
                errors.append((names["account_no"], number, f"Invalid account number '{number}': expected 8 digits"))
        elif "iban" in names and v["iban"]:
            compact = re.sub(r"\s+", "", v["iban"]).upper()
            line.account_column = names["iban"]
            if iban_is_valid(compact):
                line.iban = compact
            else:
                errors.append((names["iban"], v["iban"], f"Invalid IBAN '{v['iban']}'"))


class CanonicalReader:
    """The canonical statement layout (§6.7, §10.3): header row first, columns by name."""

    def __init__(self, stream, *, options, job):
        self.job = job
        self.rows = csvrows.records(stream, DELIMITERS.get(options.get("delimiter", ","), ","))
        self.warnings = []
        for row, raw in self.rows:
            if not csvrows.blank(raw):
                break
        else:
            raise file_error("The file is empty")
        index, unknown = csvrows.header_index(raw, row, CANONICAL)
        self.warnings += [f"Column '{name}' is not recognised and was ignored" for name in unknown]
        missing = [name for name in CANONICAL_REQUIRED if name not in index]
        if missing:
            raise FileRejected(*[(row, name, f"Missing mandatory column '{name}'") for name in missing])
        self.header_row = row
        self.width = len(raw)
        self.index = {CANONICAL[key]: position for key, position in index.items()}
        self.present = set(self.index)

    def records(self):
        return csvrows.data_records(self.rows, self.index, self.width, self._line)

    def _line(self, record, v):
        errors, job = record.errors, self.job
        line = BankLine(account_column="bank_account", currency_column="currency")
        code = v["bank_account"]
        if code:
            line.account_code = code
        else:
            errors.append(("bank_account", code, "bank_account is required"))
        line.date = csvrows.date(errors, job, "date", v["date"], required=True)
        line.value_date = csvrows.date(errors, job, "value_date", v.get("value_date", ""))
        line.amount = csvrows.amount(errors, "amount", v["amount"], required=True)
        line.balance = csvrows.amount(errors, "balance", v.get("balance", ""))
        line.currency = v.get("currency", "")
        for name in TEXT_FIELDS:
            setattr(line, name, csvrows.text(v.get(name, "")))
        return line


def _map_options():
    return {PREFIX + field: Option(str, "", label=f"Column for {FIELD_LABELS[field].lower()}",
                                   help="The header text of the file's column; set it with Mapped fields.")
            for field in FIELDS}


class CustomCsv(BankStatementKind):
    key = "custom_csv"
    label = "Bank statement CSV (custom)"
    options = bank_options(
        layout=Option(str, "mapped", label="Layout", choices=[("mapped", "Mapped columns"),
                                                               ("canonical", "Canonical statement layout")]),
        delimiter=Option(str, ",", label="Column separator",
                         choices=[(",", "Comma"), (";", "Semicolon"), ("|", "Vertical bar"), ("tab", "Tab")]),
        header_skip_lines=Option(int, 0, label="Lines before the header", help="Records above the header row to skip."),
        footer_skip_lines=Option(int, 0, label="Lines after the last transaction",
                                 help="Records at the end of the file to ignore (totals, notes)."),
        date_format=Option(DateFormat, "dd/MM/yyyy", label="Date format"),
        amount_mode=Option(str, "signed", label="Amounts", choices=[
            ("signed", "One signed amount column (negative = money out)"),
            ("debit_credit", "Separate debit and credit columns"),
            ("indicator", "An unsigned amount and a credit/debit indicator column")]),
        credit_value=Option(str, "CR", label="Indicator value for money in"),
        debit_value=Option(str, "DR", label="Indicator value for money out"),
        invert_sign=Option(bool, False, label="Invert the sign", help="For banks that write money out as positive."),
        **_map_options(),
    )
    settings_section = MappedFieldsSection

    def reader(self, ctx, handle, encoding):
        options = ctx.options
        if options.get("layout") == "canonical":
            make = CanonicalReader
        else:
            self._check_configuration(ctx)
            make = MappedReader
        stream = io.TextIOWrapper(handle, encoding=encoding, newline="")
        try:
            return stream, make(stream, options=options, job=ctx.job)
        except BaseException:
            stream.detach()
            raise

    @staticmethod
    def _check_configuration(ctx):
        problems = mapping_problems(ctx.options)
        if problems:
            raise FileRejected(*[(None, None, f"Interface configuration incomplete: {p}") for p in problems])
        mapping = mapped(ctx.options)
        if not ({"sort_code", "iban"} & set(mapping)):
            code = str(ctx.options.get("bank_account") or "").strip()
            if not code:
                raise file_error("Interface configuration incomplete: no bank account")
            if ctx.job.state["accounts"].by_code.get(code.upper()) is None:
                raise file_error(f"Bank account '{code}' does not exist", column="bank_account")
