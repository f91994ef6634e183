"""Reading one cell of an import file (import-formats §1.4): text, codes, flags, choices, dates,
amounts, quantities and rates.

Every reader takes the trimmed cell text (never blank: blank cells are the caller's business, they
take the column's default) and returns the value, or raises CellError with the catalogue's message.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from . import dates

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
COMMON_DATE_FORMATS = ("dd/MM/yyyy", "dd/MM/yy", "yyyy-MM-dd", "dd-MM-yyyy", "dd.MM.yyyy", "yyyyMMdd", "yyMMdd",
                       "MM/dd/yyyy", "d/M/yyyy", "dd MMM yyyy")
CENT = Decimal("0.01")

_PLAIN_RE = re.compile(r"[+-]?\d+(?:\.\d+)?")
_FREE_RE = re.compile(r"(?P<sign>[+-]?)£?(?P<number>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


class CellError(ValueError):
    """A cell that breaks a rule; the message is the catalogue's."""


def trim(value):
    """The cell without surrounding whitespace (no-break spaces too); None is ''."""
    return "" if value is None else value.strip()


def unescape_formula(text):
    """An imported text cell that starts with an apostrophe before a formula character loses the
    apostrophe: the reverse of what every CSV we write does (§1.5)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def text(value, column, max_length):
    if max_length is not None and len(value) > max_length:
        raise CellError(f"Value for {column} is too long ({len(value)} characters, maximum {max_length})")
    return unescape_formula(value)


def flag(value, column):
    lowered = value.lower()
    if lowered == "y":
        return True
    if lowered == "n":
        return False
    raise CellError(f"Invalid value '{value}' for {column}: use y or n")


def choice(value, column, choices):
    """One of `choices` (compared without case); returns the choice as listed."""
    for option in choices:
        if value.upper() == option.upper():
            return option
    raise CellError(f"Invalid value '{value}' for {column}: expected one of {', '.join(choices)}")


def date(value, fmt, *, with_time=False):
    """A date (or datetime) written exactly in the .NET-style `fmt` (E01)."""
    try:
        return dates.parse(value, fmt, with_time=with_time)
    except ValueError:
        raise CellError(f"Cannot convert '{value}' to date using format: {fmt}") from None


def parses_as(value, fmt):
    try:
        date(value, fmt)
    except CellError:
        return False
    return True


def _decimal(text, value):
    number = Decimal(text)
    if number.as_tuple().exponent < -2:
        raise CellError(f"Amount '{value}' has more than 2 decimal places")
    return number.quantize(CENT)


def amount_plain(value):
    """Optional sign, digits, optionally . and 1-2 digits (E02, E03)."""
    if not _PLAIN_RE.fullmatch(value):
        raise CellError(f"Cannot convert '{value}' to amount")
    point = value.find(".")
    if point >= 0 and len(value) - point > 3:  # the digits after the point are the decimal places
        raise CellError(f"Amount '{value}' has more than 2 decimal places")
    return Decimal(value).quantize(CENT)


def amount(value):
    """The free-form syntax: plain, thousands separators in groups of three, a £ after the sign,
    and accountants' negatives in parentheses (E02, E03)."""
    text, negative = value, False
    if text.startswith("(") and text.endswith(")"):
        text, negative = text[1:-1].strip(), True
        if text.startswith(("-", "+")):
            raise CellError(f"Cannot convert '{value}' to amount")
    match = _FREE_RE.fullmatch(text)
    if match is None:
        raise CellError(f"Cannot convert '{value}' to amount")
    number = _decimal(match["number"].replace(",", ""), value)
    if match["sign"] == "-":
        number = -number
    return -number if negative else number


def number(value, places):
    """A decimal number with at most `places` decimal places (quantities 4, rates 6) (E23)."""
    if not _NUMBER_RE.fullmatch(value):
        raise CellError(f"Cannot convert '{value}' to number")
    result = Decimal(value)
    if result.as_tuple().exponent < -places:
        raise CellError(f"Cannot convert '{value}' to number")
    return result


def round_half_up(value, places=CENT):
    return value.quantize(places, rounding=ROUND_HALF_UP)


def money_text(value):
    """An amount as every produced file writes it: plain, exactly 2 places."""
    return "" if value is None else f"{value:.2f}"


def suggest_date_format(values, fmt):
    """The first common format (other than `fmt`) that parses every value, or None."""
    for candidate in COMMON_DATE_FORMATS:
        if candidate != fmt and values and all(parses_as(v, candidate) for v in values):
            return candidate
    return None

