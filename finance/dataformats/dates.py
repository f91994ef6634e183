""".NET-style date format strings (dd/MM/yyyy, yyMMdd, dd MMM yyyy ...), for writing and parsing."""

import re
from functools import lru_cache
from datetime import date, datetime

TOKENS = ("yyyy", "yy", "MMM", "MM", "M", "dd", "d", "HH", "mm", "ss")
LITERALS = set("/-.: T")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_TOKEN_RE = re.compile("|".join(TOKENS))


class FormatError(ValueError):
    pass


@lru_cache(maxsize=64)
def tokenize(fmt):
    """The format as a list of tokens and literal characters; FormatError if it cannot be used."""
    parts, i = [], 0
    while i < len(fmt):
        match = _TOKEN_RE.match(fmt, i)
        if match:
            parts.append(match.group())
            i = match.end()
        elif fmt[i] in LITERALS:
            parts.append(fmt[i])
            i += 1
        else:
            raise FormatError(f"Invalid value '{fmt}' for option date_format")
    tokens = [p for p in parts if p in TOKENS]
    if not any(t in ("MM", "M", "MMM") for t in tokens) or ("mm" in tokens and "HH" not in tokens):
        raise FormatError(f"Invalid value '{fmt}' for option date_format")
    return tuple(parts)


def format_date(value, fmt):
    """Write a date or datetime with a .NET-style format."""
    if value is None:
        return ""
    out = []
    for part in tokenize(fmt):
        if part == "yyyy":
            out.append(f"{value.year:04d}")
        elif part == "yy":
            out.append(f"{value.year % 100:02d}")
        elif part == "MMM":
            out.append(_MONTHS[value.month - 1])
        elif part == "MM":
            out.append(f"{value.month:02d}")
        elif part == "M":
            out.append(str(value.month))
        elif part == "dd":
            out.append(f"{value.day:02d}")
        elif part == "d":
            out.append(str(value.day))
        elif part in ("HH", "mm", "ss"):
            if not isinstance(value, datetime):
                value_t = (0, 0, 0)
            else:
                value_t = (value.hour, value.minute, value.second)
            out.append(f"{value_t[('HH', 'mm', 'ss').index(part)]:02d}")
        else:
            out.append(part)
    return "".join(out)


_PATTERNS = {
    "yyyy": r"(?P<year>\d{4})",
    "yy": r"(?P<year2>\d{2})",
    "MMM": r"(?P<mon>[A-Za-z]{3})",
    "MM": r"(?P<month>\d{2})",
    "M": r"(?P<month>\d{1,2})",
    "dd": r"(?P<day>\d{2})",
    "d": r"(?P<day>\d{1,2})",
    "HH": r"(?P<hour>\d{2})",
    "mm": r"(?P<minute>\d{2})",
    "ss": r"(?P<second>\d{2})",
}


@lru_cache(maxsize=64)
def _compiled(fmt):
    return re.compile("".join(_PATTERNS.get(p, re.escape(p)) for p in tokenize(fmt)))


def parse(value, fmt, *, with_time=False):
    """Parse strictly; ValueError with the spec's message when the value does not match."""
    match = _compiled(fmt).fullmatch(value.strip())
    if not match:
        raise _unreadable(value, fmt)
    g = match.groupdict()
    if g.get("year"):
        year = int(g["year"])
    else:
        yy = int(g["year2"])
        year = 2000 + yy if yy <= 68 else 1900 + yy
    if g.get("mon"):
        names = [m.lower() for m in _MONTHS]
        if g["mon"].lower() not in names:
            raise _unreadable(value, fmt)
        month = names.index(g["mon"].lower()) + 1
    else:
        month = int(g["month"])
    try:
        result = datetime(year, month, int(g["day"]), int(g.get("hour") or 0), int(g.get("minute") or 0), int(g.get("second") or 0))
    except ValueError:
        raise _unreadable(value, fmt) from None
    return result if with_time else result.date()


def _unreadable(value, fmt):
    return ValueError(f"Cannot convert '{value}' to date using format: {fmt}")


def to_date(value):
    return value.date() if isinstance(value, datetime) else value


