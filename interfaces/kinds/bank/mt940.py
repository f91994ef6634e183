"""MT940 statement file (import-formats §13): SWIFT MT940 customer statements, one or more per file,
optionally inside a SWIFT envelope (`{1:...}{2:...}{4:` ... `-}`).

Each statement (from one `:20:` to the next) is parsed with the mt-940 library (`mt940.parse`),
which reads the tags, the account and the balances; the line numbers the errors need (§1.3: the
row is the line of the `:61:`) come from a scan of the same lines, and each `:61:` is split into
its fields with the library's own `:61:` tag. Dates and signs follow §13, not the library's
guesses (its entry-date year and its default for `RC`).
"""

import re
from decimal import Decimal, InvalidOperation

import mt940
from mt940.tags import TAG_BY_ID

from finance.contacts.validators import iban_is_valid
from finance.dataformats import cells

from ..tabular import Record, file_error
from .common import BankLine, BankStatementKind, bank_options

TAG_LINE = re.compile(r":(?P<id>\d{2}|NS)(?P<sub>[A-Z])?:")
STATEMENT_LINE = TAG_BY_ID[61]
OPTIONS = mt940.Options(unbounded_details=True, merge_keeps_values=True)
OPENING = (("final_opening_balance", ":60F:"), ("intermediate_opening_balance", ":60M:"), ("opening_balance", ":60:"))
CLOSING = ("final_closing_balance", "intermediate_closing_balance", "closing_balance")
SIGNS = {"C": 1, "RD": 1, "D": -1, "RC": -1}


def not_mt940(reason):
    return file_error(f"The file is not a valid MT940 file: {reason}")


def _tag_key(match):
    """The library's key for a tag (`60F`, `61`, `NS`), or None for a tag it does not know."""
    full = match.group("id") + (match.group("sub") or "")
    if full in TAG_BY_ID:
        return full
    base = int(match.group("id")) if match.group("id").isdigit() else match.group("id")
    return base if base in TAG_BY_ID else None


def _lines(text):
    """The file's lines (split on CRLF, LF or CR), with the SWIFT envelope blanked out, so line
    numbers stay those of the file."""
    lines = re.split(r"\r\n|\r|\n", text)
    for n, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("{1:") or stripped.startswith("{2:") or stripped.startswith("{3:"):
            lines[n] = stripped.split("{4:", 1)[1] if "{4:" in stripped else ""
        elif stripped.startswith("-}") or stripped.startswith("{5:") or stripped == "-":
            lines[n] = ""
        else:
            lines[n] = line.rstrip()
    return lines


class Tag:
    __slots__ = ("key", "label", "line", "value")

    def __init__(self, key, label, line, value):
        self.key, self.label, self.line, self.value = key, label, line, value


def _statements(lines):
    """[(first line number, [Tag, ...]), ...]: one per `:20:`; a tag's continuation lines join its
    value with a line break (as the library reads it)."""
    statements = []
    current = None
    tag = None
    for number, line in enumerate(lines, start=1):
        match = TAG_LINE.match(line)
        key = _tag_key(match) if match else None
        if key is not None:
            label = match.group(0)
            if key == 20:
                current = (number, [])
                statements.append(current)
            tag = Tag(key, label, number, line[match.end():]) if current is not None else None
            if tag is not None:
                current[1].append(tag)
        elif tag is not None and line.strip():
            tag.value += "\n" + line
    for _, tags in statements:
        for t in tags:
            t.value = t.value.strip()
    return statements


def _locate(tags, error):
    """Which tag the library could not read, for the F09 reason."""
    for tag in tags:
        parser = TAG_BY_ID[tag.key]
        try:
            parser(mt940.models.Transactions(options=OPTIONS), parser.parse(mt940.models.Transactions(options=OPTIONS),
                                                                           tag.value))
        except Exception:  # noqa: BLE001 - whatever the library raised, this is the tag it could not read
            value = tag.value.splitlines()[0] if tag.value else ""
            return f"line {tag.line}: cannot read {tag.label} '{value[:60]}'"
    reason = str(error.args[0]) if error.args else type(error).__name__
    return reason.splitlines()[0][:200] if reason.strip() else type(error).__name__


def _account(line, value):
    """`:25:`: letters and digits only; a valid IBAN, or 14 digits (sort code + account number)."""
    compact = re.sub(r"[^A-Za-z0-9]", "", value).upper()
    if iban_is_valid(compact):
        line.iban = compact
    elif re.fullmatch(r"\d{14}", compact):
        line.sort_code, line.account_no = compact[:6], compact[6:]
    else:
        line.account_problem = f"Cannot identify the bank account: ':25:' value '{value}'"


def _date(text, fmt, tag):
    try:
        return cells.date(text, fmt)
    except cells.CellError:
        raise not_mt940(f"line {tag.line}: '{text}' in {tag.label} is not a date ({fmt})") from None


def _entry_date(fields, value_date, tag):
    """§13: the entry date (MMDD) takes the value date's year, one less when the entry is in
    December and the value date in January, one more in the opposite case."""
    month, day = (fields.get("entry_month") or "").strip(), (fields.get("entry_day") or "").strip()
    if not (month.isdigit() and day.isdigit()):
        return value_date
    year = value_date.year
    if month == "12" and value_date.month == 1:
        year -= 1
    elif month == "01" and value_date.month == 12:
        year += 1
    return _date(f"{year:04d}{month}{day}", "yyyyMMdd", tag)


class Reader:
    def __init__(self, handle, encoding):
        self.warnings = []
        self.present = set()
        self.context = mt940.models.Transactions(options=OPTIONS)  # what the library's tag parsers take
        try:
            text = handle.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise not_mt940(f"byte 0x{error.object[error.start]:02X} at offset {error.start} is not {encoding}") from None
        lines = _lines(text)
        self.statements = []
        for first_line, tags in _statements(lines):
            block = "\n".join(f"{t.label}{t.value}" for t in tags)
            try:
                parsed = mt940.parse(block, options=OPTIONS)
            except Exception as error:  # noqa: BLE001 - the library's own errors (RuntimeError, ValueError, ...)
                raise not_mt940(_locate(tags, error)) from None
            self.statements.append((first_line, tags, parsed))
        if not self.statements:
            raise not_mt940("no statement found (no :20: line)")
        # Every line is read here, so a problem with the file is found before any record is reported.
        self._records = list(self._read())

    def records(self):
        yield from self._records

    def _read(self):
        first_opening = {}  # :25: -> the opening balance of the account's first statement in the file
        for first_line, tags, parsed in self.statements:
            account = next((t for t in tags if t.key == 25), None)
            opening_currency, currency_tag, opening = "", None, None
            for key, label in OPENING:
                balance = parsed.data.get(key)
                if balance is not None:
                    opening, opening_currency, currency_tag = balance.amount.amount, (balance.amount.currency or "").strip(), label
                    break
            closing = next((parsed.data[key].amount.amount for key in CLOSING if parsed.data.get(key) is not None), None)
            opening = first_opening.setdefault(re.sub(r"[^A-Za-z0-9]", "", account.value).upper() if account else None,
                                               opening)
            entries = []  # [:61: tag, its :86: values]
            for tag in tags:
                if tag.key == 61:
                    entries.append((tag, []))
                elif tag.key == 86 and entries:
                    entries[-1][1].append(tag.value)
            for tag, details in entries:
                yield self._record(tag, details, account, first_line, opening_currency, currency_tag, opening, closing)

    def _record(self, tag, details, account, first_line, currency, currency_tag, opening, closing):
        errors = []
        fields = STATEMENT_LINE.parse(self.context, tag.value)
        if not fields.get("id"):
            raise not_mt940(f"line {tag.line}: the :61: line has no transaction type")
        line = BankLine(currency=currency, currency_column=currency_tag, account_column=":25:", statement_account=True,
                        opening_balance=opening, closing_balance=closing,
                        column_names={"description": ":86:", "reference": ":61:", "type": ":61:",
                                      "transaction_id": ":61:"})
        if account is None:
            line.account_problem = f"Cannot identify the bank account: the statement on line {first_line} has no :25:"
        else:
            _account(line, account.value)
        value_date = _date(f"{fields['year']}{fields['month']}{fields['day']}", "yyMMdd", tag)
        line.value_date = value_date
        line.date = _entry_date(fields, value_date, tag)
        mark = (fields.get("status") or "").upper()
        amount_text = fields.get("amount") or ""
        try:
            magnitude = Decimal(amount_text.replace(",", "."))
        except InvalidOperation:
            errors.append((":61:", amount_text, f"Cannot convert '{amount_text}' to amount"))
            magnitude = None
        if magnitude is not None and magnitude.as_tuple().exponent < -2:
            errors.append((":61:", amount_text, f"Amount '{amount_text}' has more than 2 decimal places"))
            magnitude = None
        if magnitude is not None:
            line.amount = SIGNS[mark] * magnitude.quantize(cells.CENT)
        line.type = fields["id"].strip()
        reference = (fields.get("customer_reference") or "").strip()
        line.reference = "" if reference.upper() == "NONREF" else reference
        bank_reference = (fields.get("bank_reference") or "").strip()
        line.transaction_id = "" if bank_reference.upper() == "NONREF" else bank_reference
        text = " ".join(part.strip() for value in details for part in value.splitlines() if part.strip())
        line.description = text or (fields.get("extra_details") or "").strip()
        if not text:
            line.column_names["description"] = ":61:"
        values = {
            "date": line.date.strftime("%d/%m/%Y") if line.date else "", "value_date": value_date.strftime("%d/%m/%Y"),
            "amount": ("-" if SIGNS[mark] == -1 else "") + amount_text, "currency": currency,
            "description": line.description, "reference": line.reference, "type": line.type,
            "transaction_id": line.transaction_id, "_line": line,
        }
        return Record(row=tag.line, values=values, raw=[], errors=errors)


class Mt940Statement(BankStatementKind):
    key = "mt940"
    label = "MT940 statement file"
    options = bank_options()  # encoding, partial, bank_account; dates are fixed YYMMDD

    def reader(self, ctx, handle, encoding):
        return handle, Reader(handle, encoding)
