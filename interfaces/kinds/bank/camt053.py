"""CAMT.053 statement file (import-formats §12): the ISO 20022 Bank-to-Customer Statement,
camt.053.001.02 to camt.053.001.13.

The XML is read with the standard library's parser behind defusedxml: no DTD, no entity
declaration, no external reference, so an XML bomb or an external entity is refused before any
of it is expanded or fetched. Elements are found by local name, so every version's namespace
works. The file is streamed: a first read checks the whole file (a broken or forbidden file is
refused before any line is reported or written), the second yields one record per `Ntry`, whose
row is its position in the file (§1.3), and forgets each entry once read.
"""

import re
from decimal import Decimal

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import ParseError, iterparse

from finance.contacts.validators import iban_is_valid
from finance.dataformats import cells

from ..tabular import Record, file_error
from .common import BankLine, BankStatementKind, bank_options

NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d{2})")
VERSIONS = range(2, 14)
MESSAGE = "BkToCstmrStmt"
AMOUNT = re.compile(r"\d+(?:\.\d+)?")
STATUSES = {"BOOK": "", "PDNG": "pending", "INFO": "information only"}
SIGNS = {"CRDT": 1, "DBIT": -1}


def not_camt(reason):
    return file_error(f"The file is not a valid CAMT.053 file: {reason}")


def local(tag):
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def namespace(tag):
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def path(text):
    """An ElementTree path by local names, whatever the namespace: `A/B` -> `{*}A/{*}B`."""
    return "/".join("{*}" + part for part in text.split("/"))


def _text(element, where):
    found = element.find(path(where)) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _events(handle):
    """(event, element) pairs of the file, refusing DTDs, entities and external references."""
    try:
        yield from iterparse(handle, events=("start", "end"), forbid_dtd=True, forbid_entities=True,
                             forbid_external=True)
    except DTDForbidden:
        raise not_camt("a document type declaration (DTD) is not allowed") from None
    except EntitiesForbidden:
        raise not_camt("entity declarations are not allowed") from None
    except ExternalReferenceForbidden:
        raise not_camt("external references are not allowed") from None
    except DefusedXmlException as error:
        raise not_camt(type(error).__name__) from None
    except ParseError as error:
        raise not_camt(str(error)) from None


def _check(handle):
    """Read the whole file once, keeping nothing: well-formed, safe, and a camt.053 statement."""
    depth = 0
    stack = []  # the open elements; each one's children are dropped as they end
    for event, element in _events(handle):
        if event == "start":
            depth += 1
            if depth == 1:
                if local(element.tag) != "Document":
                    raise not_camt(f"the root element is {local(element.tag)}, not Document")
                ns = namespace(element.tag)
                match = NAMESPACE.fullmatch(ns)
                if ns and not match:
                    raise not_camt(f"the message is {ns}, not camt.053")
                if match and int(match.group(1)) not in VERSIONS:
                    raise not_camt(f"camt.053.001.{match.group(1)} is not a supported version")
            elif depth == 2 and local(element.tag) != MESSAGE:
                raise not_camt(f"the message is {local(element.tag)}, not {MESSAGE}")
            stack.append(element)
        else:
            depth -= 1
            stack.pop()
            if stack:
                del stack[-1][-1]  # the element just ended is its parent's last child


def _amount(text, column, errors):
    """An unsigned amount (the sign is CdtDbtInd's): at most 2 decimal places (E03)."""
    if not text:
        errors.append((column, None, f"{column} is required"))
        return None
    if not AMOUNT.fullmatch(text):
        errors.append((column, text, f"Cannot convert '{text}' to amount"))
        return None
    number = Decimal(text)
    if number.as_tuple().exponent < -2:
        errors.append((column, text, f"Amount '{text}' has more than 2 decimal places"))
        return None
    return number.quantize(cells.CENT)


def _date(element, column, errors, required=False):
    """`<column>/Dt` or `<column>/DtTm`: the date part as written (yyyy-MM-dd)."""
    text = _text(element, f"{column}/Dt") or _text(element, f"{column}/DtTm")
    if not text:
        if required:
            errors.append((column, None, f"{column} is required"))
        return None, text
    try:
        return cells.date(text[:10], "yyyy-MM-dd"), text
    except cells.CellError:
        errors.append((column, text, f"Cannot convert '{text}' to date using format: yyyy-MM-dd"))
        return None, text


class Statement:
    """What a `Stmt` says before its entries: the account and the balances."""

    def __init__(self):
        self.iban = self.sort_code = self.account_no = self.problem = ""
        self.currency = ""
        self.opening = {}  # OPBD / PRCD -> signed amount
        self.closing = None

    def account(self, acct):
        self.currency = _text(acct, "Ccy")
        iban = re.sub(r"\s", "", _text(acct, "Id/IBAN")).upper()
        other = _text(acct, "Id/Othr/Id")
        digits = re.sub(r"[\s-]", "", other)
        if iban:
            self.iban = iban
        elif re.fullmatch(r"\d{14}", digits):
            self.sort_code, self.account_no = digits[:6], digits[6:]
        elif iban_is_valid(digits.upper()):
            self.iban = digits.upper()
        elif other:
            self.problem = f"Cannot identify the bank account: 'Acct/Id/Othr/Id' value '{other}'"
        else:
            self.problem = "Cannot identify the bank account: Acct has no Id/IBAN or Id/Othr/Id"

    def balance(self, bal):
        code = _text(bal, "Tp/CdOrPrtry/Cd").upper()
        if code not in ("OPBD", "PRCD", "CLBD"):
            return
        amount = _amount(_text(bal, "Amt"), "Amt", [])
        sign = SIGNS.get(_text(bal, "CdtDbtInd").upper())
        if amount is None or sign is None:
            return  # the balance check (§6.6) is a warning: an unreadable balance leaves it out
        if code == "CLBD":
            self.closing = sign * amount
        else:
            self.opening[code] = sign * amount

    @property
    def key(self):
        return (self.iban, self.sort_code, self.account_no, self.problem)


class Reader:
    def __init__(self, handle):
        self.handle = handle
        self.warnings = []
        self.present = set()
        _check(handle)
        handle.seek(0)

    def records(self):
        stack = []
        statement = None
        first_opening = {}  # account -> the opening balance of its first statement in the file
        position = 0
        for event, element in _events(self.handle):
            if event == "start":
                if local(element.tag) == "Stmt" and len(stack) == 2:
                    statement = Statement()
                stack.append(element)
                continue
            stack.pop()
            if not stack:
                continue
            parent = local(stack[-1].tag)
            name = local(element.tag)
            if parent == "Stmt" and statement is not None:
                if name == "Acct":
                    statement.account(element)
                elif name == "Bal":
                    statement.balance(element)
                elif name == "Ntry":
                    position += 1
                    opening = statement.opening.get("OPBD", statement.opening.get("PRCD"))
                    opening = first_opening.setdefault(statement.key, opening)
                    yield self._record(position, element, statement, opening)
            if parent in ("Stmt", MESSAGE, "Document"):
                del stack[-1][-1]  # forget what has been read

    def _record(self, row, entry, statement, opening):
        errors = []
        sign_text = _text(entry, "CdtDbtInd")
        amount_text = _text(entry, "Amt")
        amount_element = entry.find(path("Amt"))
        currency = (amount_element.get("Ccy") or "").strip() if amount_element is not None else ""
        line = BankLine(
            iban=statement.iban, sort_code=statement.sort_code, account_no=statement.account_no,
            account_problem=statement.problem, account_column="Acct", statement_account=True,
            currency=currency or statement.currency, currency_column="Amt" if currency else "Ccy",
            opening_balance=opening, closing_balance=statement.closing,
        )
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts/Prtry") or _text(entry, "Sts")
        if not status:
            errors.append(("Sts", None, "Sts is required"))
        elif status.upper() not in STATUSES:
            errors.append(("Sts", status, f"Unknown Sts value '{status}'"))
        elif STATUSES[status.upper()]:
            line.skip = f"Sts {status} ({STATUSES[status.upper()]})"
        magnitude = _amount(amount_text, "Amt", errors)
        sign = SIGNS.get(sign_text.upper())
        if not sign_text:
            errors.append(("CdtDbtInd", None, "CdtDbtInd is required"))
        elif sign is None:
            errors.append(("CdtDbtInd", sign_text, f"Unknown CdtDbtInd value '{sign_text}'"))
        line.amount = sign * magnitude if magnitude is not None and sign is not None else None
        line.date, date_text = _date(entry, "BookgDt", errors, required=True)
        line.value_date, value_date_text = _date(entry, "ValDt", errors)

        id_column = "AcctSvcrRef" if _text(entry, "AcctSvcrRef") else "NtryRef"
        line.transaction_id = _text(entry, id_column)
        details = entry.findall(path("NtryDtls/TxDtls"))
        description, description_column = _text(entry, "AddtlNtryInf"), "AddtlNtryInf"
        if not description:
            description, description_column = " ".join(
                t for d in details for u in d.findall(path("RmtInf/Ustrd")) if (t := (u.text or "").strip())), "Ustrd"
        if not description:
            party = "Dbtr" if sign == 1 else "Cdtr"
            description, description_column = next(
                (n for d in details if (n := _text(d, f"RltdPties/{party}/Nm") or _text(d, f"RltdPties/{party}/Pty/Nm"))),
                ""), "Nm"
        line.description = description
        line.reference = next((r for d in details if (r := _text(d, "Refs/EndToEndId")) and r != "NOTPROVIDED"), "")
        domain = entry.find(path("BkTxCd/Domn"))
        if domain is not None:
            line.type = "/".join(p for p in (_text(domain, "Cd"), _text(domain, "Fmly/Cd"), _text(domain, "Fmly/SubFmlyCd")) if p)
        else:
            line.type = _text(entry, "BkTxCd/Prtry/Cd")
        line.column_names = {"description": description_column, "reference": "EndToEndId", "type": "BkTxCd",
                             "transaction_id": id_column}
        if line.skip:
            errors = []  # a pending or information-only entry is not validated (§6.3)
        shown = amount_text if sign != -1 or not amount_text else f"-{amount_text}"
        values = {
            "date": date_text, "value_date": value_date_text, "amount": shown, "currency": line.currency,
            "description": line.description, "reference": line.reference, "type": line.type,
            "transaction_id": line.transaction_id, "_line": line,
        }
        return Record(row=row, values=values, raw=[], errors=errors)


class Camt053Statement(BankStatementKind):
    key = "camt053"
    label = "CAMT.053 statement file"
    # The XML declares its own encoding (§1.10): no `encoding` option, and no date_format.
    options = {name: option for name, option in bank_options().items() if name != "encoding"}

    def reader(self, ctx, handle, encoding):
        return handle, Reader(handle)
