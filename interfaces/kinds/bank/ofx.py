"""OFX statement file (import-formats §11): OFX 1.x (SGML) and 2.x (XML) bank statements.

ofxtools' `OFXTree` reads the header (and decodes the body with the declared charset) and builds
the element tree; the values are then taken from the elements **as written**, not through
ofxtools' typed model, which would turn dates into UTC and reject a whole file for one bad value.
Only bank statements (`BANKMSGSRSV1/STMTTRNRS/STMTRS`) are read. A row is the position of the
`STMTTRN` in the file (§1.3).
"""

import codecs
import io
import re
from decimal import Decimal
from xml.sax import saxutils

from ofxtools import Types, models
from ofxtools.header import OFXHeaderError
from ofxtools.models.base import Aggregate
from ofxtools.Parser import OFXTree, ParseError, TreeBuilder

from finance.contacts.validators import iban_is_valid
from finance.dataformats import cells

from ..tabular import Record, file_error
from .common import BankLine, BankStatementKind, bank_options

BANK_STATEMENTS = "BANKMSGSRSV1/STMTTRNRS/STMTRS"
OTHER_STATEMENTS = ("CREDITCARDMSGSRSV1/CCSTMTTRNRS/CCSTMTRS", "INVSTMTMSGSRSV1/INVSTMTTRNRS/INVSTMTRS")
XML_DECLARATION = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
AMOUNT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
ENTITIES = {"&nbsp;": " ", "&apos;": "'", "&quot;": '"'}


def _data_elements():
    """The names of OFX's data elements (leaves), from ofxtools' models."""
    aggregates = {name for name, value in vars(models).items() if isinstance(value, type) and issubclass(value, Aggregate)}
    elements = {attribute.upper() for name in aggregates for cls in getattr(models, name).__mro__
                for attribute, value in vars(cls).items() if isinstance(value, Types.Element)}
    return frozenset(elements - aggregates)


DATA_ELEMENTS = _data_elements()


class NestedTreeBuilder(TreeBuilder):
    """ofxtools' tag-soup parser, plus the check that every end tag closes an element that is open
    (the standard library's tree builder does not check it, so a broken file would quietly give
    another tree). A data element left empty in OFX 1 SGML (`<MEMO>` and no value) looks like an
    aggregate that is never closed: the next tag closes it."""

    def __init__(self):
        super().__init__()
        self.open = []  # (tag, element) of the open elements

    def _close_empty(self, until=None):
        """Close the empty elements on top: known data elements (before another tag starts), or,
        under the element an end tag closes, any element without children."""
        while self.open and self.open[-1][0] != until:
            name, element = self.open[-1]
            if len(element) or (until is None and name not in DATA_ELEMENTS):
                return
            self.open.pop()
            super().end(name)

    def start(self, tag, attrs):
        self._close_empty()
        element = super().start(tag, attrs)
        self.open.append((tag, element))
        return element

    def end(self, tag):
        if not any(name == tag for name, _ in self.open):
            raise ParseError(f"</{tag}> closes nothing")
        self._close_empty(until=tag)
        if self.open[-1][0] != tag:
            raise ParseError(f"</{tag}> closes <{self.open[-1][0]}>")
        self.open.pop()
        return super().end(tag)

    def close(self):
        self._close_empty()
        if self.open:
            raise ParseError(f"<{self.open[-1][0]}> is not closed")
        return super().close()


def not_ofx(reason):
    return file_error(f"The file is not a valid OFX file: {reason}")


def _reason(error):
    """The parser's complaint, short: ofxtools quotes the whole document in some messages."""
    text = str(error.args[0]) if error.args else type(error).__name__
    tail = re.match(r"(?s)(Tail text '.{0,60}?)'? in .*?( - position=\[\d+:\d+\])?$", text)
    if tail:
        text = f"{tail.group(1)}'{tail.group(2) or ''}"
    text = text.strip().splitlines()[0].rstrip(":") if text.strip() else type(error).__name__
    if isinstance(error, OFXHeaderError) and "object at 0x" in text:
        text = "no OFX header found"
    return text[:200]


def _utf8(data):
    """The bytes ofxtools should read: OFX 2 is XML and declares its encoding, which ofxtools
    ignores (it always decodes UTF-8), so a body in another declared encoding is re-encoded."""
    data = data.removeprefix(codecs.BOM_UTF8)
    match = XML_DECLARATION.match(data[:512])
    if match is None:
        return data
    name = match.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise not_ofx(f"unknown encoding '{name}'") from None
    if codec == "utf-8":
        return data
    try:
        return data.decode(codec).encode("utf-8")
    except UnicodeDecodeError as error:
        raise not_ofx(f"the file is not valid {name} (byte 0x{error.object[error.start]:02X} at offset {error.start})") from None


def _text(element, path):
    found = element.find(path) if element is not None else None
    if found is None or not found.text:
        return ""
    return saxutils.unescape(found.text.strip(), ENTITIES).strip()


def _date(element, name, errors, required=False):
    """The first 8 characters as written (yyyyMMdd): no time-zone conversion."""
    text = _text(element, name)
    if not text:
        if required:
            errors.append((name, None, f"{name} is required"))
        return None
    try:
        return cells.date(text[:8], "yyyyMMdd")
    except cells.CellError:
        errors.append((name, text, f"Cannot convert '{text}' to date using format: yyyyMMdd"))
        return None


def _amount(text, column, errors):
    """A signed amount; `.` or `,` as the decimal mark (OFX allows both); at most 2 places (E03)."""
    if not text:
        errors.append((column, None, f"{column} is required"))
        return None
    if not AMOUNT.fullmatch(text):
        errors.append((column, text, f"Cannot convert '{text}' to amount"))
        return None
    number = Decimal(text.replace(",", "."))
    if number.as_tuple().exponent < -2:
        errors.append((column, text, f"Amount '{text}' has more than 2 decimal places"))
        return None
    return number.quantize(cells.CENT)


def _identity(line, account):
    """BANKID (sort code) + ACCTID (account number); an ACCTID of 14 digits is both, an IBAN
    matches by IBAN."""
    bank_id = _text(account, "BANKID")
    account_id = _text(account, "ACCTID")
    compact = re.sub(r"[\s-]", "", account_id)
    if re.fullmatch(r"\d{14}", compact):
        line.sort_code, line.account_no = compact[:6], compact[6:]
    elif iban_is_valid(compact.upper()):
        line.iban = compact.upper()
    elif not account_id:
        line.account_problem = "Cannot identify the bank account: BANKACCTFROM has no ACCTID"
    elif not bank_id:
        line.account_problem = "Cannot identify the bank account: BANKACCTFROM has no BANKID"
    else:
        line.sort_code, line.account_no = bank_id, compact


class Reader:
    def __init__(self, handle):
        self.warnings = []
        self.present = set()
        data = _utf8(handle.read())
        tree = OFXTree()
        try:
            tree.parse(io.BytesIO(data), parser=NestedTreeBuilder())
        except UnicodeDecodeError as error:
            raise not_ofx(f"the file does not match its declared charset ({error.reason} at offset {error.start})") from None
        except Exception as error:  # ofxtools raises ParseError, OFXHeaderError, ...
            raise not_ofx(_reason(error)) from None
        root = tree.getroot()
        if root is None or root.tag != "OFX":
            raise not_ofx("no OFX element found")
        self.root = root
        self.statements = root.findall(BANK_STATEMENTS)
        others = sum(len(root.findall(path)) for path in OTHER_STATEMENTS)
        if not self.statements:
            raise not_ofx("no bank statement found")
        if others:
            self.warnings.append(f"The file also holds {others} credit card or investment statement(s); only bank "
                                 "statements were read")
        # §1.3: the row is the position of the STMTTRN among all STMTTRN elements of the file.
        self.positions = {id(element): n for n, element in enumerate(root.iter("STMTTRN"), start=1)}

    def records(self):
        for statement in self.statements:
            currency = _text(statement, "CURDEF")
            account = statement.find("BANKACCTFROM")
            ledger = None
            balance = _text(statement, "LEDGERBAL/BALAMT")
            if balance:
                ledger = _amount(balance, "BALAMT", [])  # display only: an unreadable balance is left out
            for transaction in statement.iterfind("BANKTRANLIST/STMTTRN"):
                yield self._record(transaction, account, currency, ledger)

    def _record(self, transaction, account, currency, ledger):
        row = self.positions[id(transaction)]
        errors = []
        raw = {name: _text(transaction, name) for name in (
            "TRNTYPE", "DTPOSTED", "DTAVAIL", "TRNAMT", "FITID", "NAME", "MEMO", "CHECKNUM", "REFNUM")}
        name = raw["NAME"] or _text(transaction, "PAYEE/NAME")
        memo = raw["MEMO"]
        description = f"{name} {memo}".strip() if memo and memo != name else name
        line_currency, currency_column = _text(transaction, "CURRENCY/CURSYM"), "CURSYM"
        if not line_currency:
            line_currency, currency_column = currency, "CURDEF"
        reference_column = "REFNUM" if raw["REFNUM"] else "CHECKNUM"
        line = BankLine(
            currency=line_currency, currency_column=currency_column, account_column="BANKACCTFROM",
            statement_account=True, closing_balance=ledger,
            type=raw["TRNTYPE"], transaction_id=raw["FITID"], description=description, cheque_no=raw["CHECKNUM"],
            reference=raw["REFNUM"] or raw["CHECKNUM"],
            column_names={"description": "NAME", "reference": reference_column, "type": "TRNTYPE",
                          "cheque_no": "CHECKNUM", "transaction_id": "FITID"},
        )
        if account is not None:
            _identity(line, account)
        line.date = _date(transaction, "DTPOSTED", errors, required=True)
        line.value_date = _date(transaction, "DTAVAIL", errors)
        line.amount = _amount(raw["TRNAMT"], "TRNAMT", errors)
        values = {
            "date": raw["DTPOSTED"], "value_date": raw["DTAVAIL"], "amount": raw["TRNAMT"], "currency": line_currency,
            "description": description, "reference": line.reference, "type": raw["TRNTYPE"],
            "cheque_no": raw["CHECKNUM"], "transaction_id": raw["FITID"], "_line": line,
        }
        return Record(row=row, values=values, raw=[], errors=errors)


class OfxStatement(BankStatementKind):
    key = "ofx"
    label = "OFX statement file"
    # OFX declares its own encoding (§1.10): no `encoding` option, and no date_format.
    options = {name: option for name, option in bank_options().items() if name != "encoding"}

    def reader(self, ctx, handle, encoding):
        return handle, Reader(handle)
