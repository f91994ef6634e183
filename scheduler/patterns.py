"""Execution patterns of scheduled tasks: what a person picks, the sentence it reads as, and the next
executions, worked out in the pattern's time zone and returned in UTC.

Kinds: every N minutes, hourly at minute M, daily / weekdays / weekly at HH:MM, monthly on day N /
on the last day / on the Nth working day at HH:MM, and a raw 5-field cron expression.

Time rules (wall-clock kinds, in the pattern's zone):
- A time that happens twice (clocks go back) runs once, at its first occurrence (`fold=0`).
- A time that does not happen (clocks go forward) runs once, at the instant of the change: a daily
  01:30 in Europe/London runs at 02:00 BST (01:00 UTC) on the last Sunday of March. Debian cron and
  cronsim do the same.
- "Every N minutes" (1..720) counts real elapsed time from each local midnight and starts again at
  the next one: on the day the clocks go back every 15 minutes runs through both 01:xx hours (100
  runs), on the day they go forward it runs 92 times, never twice at one instant. When N does not
  divide a day, the last gap before midnight is shorter; when N does not divide 60, the local times
  after a change are shifted by the change, because real intervals are kept.
- "Hourly at minute M" runs whenever the local clock shows minute M, so once every real hour: both
  01:15s on the day the clocks go back, and no hour missing when they go forward (cronsim's own
  behaviour for "M * * * *").
- Monthly on day N: a month without day N runs on its last day (day 31 runs on 30 April and on
  28 or 29 February).
- The Nth working day counts Monday to Friday (no bank holidays). A month with fewer than N working
  days (February has 20 or 21) runs on its last working day.
- Cron expressions follow cronsim (Debian cron): fixed-time expressions behave as above; those whose
  minute or hour field starts with "*" follow real time; a restricted day of month and a restricted
  day of week are alternatives (either matches).

Only cron expressions go through cronsim at run time; the other kinds are computed directly (the
dispatch tick asks for thousands of next executions) and the tests check them against cronsim. The
last answer per pattern is remembered and reused for a later question it still answers.
"""

from __future__ import annotations

import calendar
import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError

UTC = timezone.utc
DEFAULT_TZ = "Europe/London"
KINDS = ("minutes", "hourly", "daily", "weekdays", "weekly", "monthly_day", "monthly_last",
         "monthly_working", "cron")
KIND_LABELS = {
    "minutes": "Every N minutes",
    "hourly": "Hourly",
    "daily": "Daily",
    "weekdays": "Weekdays",
    "weekly": "Weekly",
    "monthly_day": "Monthly on day N",
    "monthly_last": "Monthly on the last day",
    "monthly_working": "Monthly on the Nth working day",
    "cron": "Cron expression",
}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_EVERY = 720
MAX_WORKING_DAY = 23
# The fields each kind uses; validate() resets the others to their defaults.
KIND_FIELDS = {
    "minutes": ("every",), "hourly": ("minute",), "daily": ("time",), "weekdays": ("time",),
    "weekly": ("days", "time"), "monthly_day": ("day", "time"), "monthly_last": ("time",),
    "monthly_working": ("day", "time"), "cron": ("cron",),
}


class PatternError(ValueError):
    """A pattern a person got wrong. str() is one line fit for a form error; `field` names the
    Pattern field at fault ("kind", "every", "minute", "time", "days", "day", "cron", "tz") or None."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Pattern:
    kind: str
    every: int = 0
    minute: int = 0
    time: str = ""
    days: tuple = ()
    day: int = 0
    cron: str = ""
    tz: str = DEFAULT_TZ


# --- Validation and storage --------------------------------------------------------------------

def validate(p: Pattern) -> Pattern:
    """The pattern, normalised (unused fields reset, days sorted, time as HH:MM, the zone's
    canonical name); PatternError naming the field and the problem if it is not valid."""
    if p.kind not in KINDS:
        raise PatternError(f'Kind: "{p.kind}" is not a kind of execution pattern; choose one of: '
                           f'{", ".join(KIND_LABELS.values())}.', "kind")
    values = {"kind": p.kind, "tz": zone_name(p.tz)}
    used = KIND_FIELDS[p.kind]
    if "every" in used:
        values["every"] = _whole(p.every, 1, MAX_EVERY, "every",
                                 f"Every: the number of minutes must be a whole number from 1 to {MAX_EVERY}")
    if "minute" in used:
        values["minute"] = _whole(p.minute, 0, 59, "minute",
                                  "Minute: the minute past the hour must be a whole number from 0 to 59")
    if "time" in used:
        hour, minute = _parse_time(p.time if isinstance(p.time, str) else "")
        values["time"] = f"{hour:02d}:{minute:02d}"
    if "days" in used:
        values["days"] = _days(p.days)
    if p.kind == "monthly_day":
        values["day"] = _whole(p.day, 1, 31, "day", "Day: the day of the month must be a whole number from 1 to 31")
    if p.kind == "monthly_working":
        values["day"] = _whole(p.day, 1, MAX_WORKING_DAY, "day",
                               f"Day: the working day must be a whole number from 1 to {MAX_WORKING_DAY}")
    if "cron" in used:
        values["cron"] = _valid_cron(p.cron)
    return Pattern(**values)


def pattern_to_dict(p: Pattern) -> dict:
    """JSON-serialisable: the kind, the zone and the fields the kind uses."""
    data = {"kind": p.kind, "tz": p.tz}
    for name in KIND_FIELDS.get(p.kind, ()):
        value = getattr(p, name)
        data[name] = list(value) if name == "days" else value
    return data


def pattern_from_dict(data: dict) -> Pattern:
    """A validated Pattern from a dict such as pattern_to_dict() gives; keys that are not Pattern
    fields are ignored."""
    if not isinstance(data, dict):
        raise PatternError("Execution pattern: expected the pattern's fields.")
    if not data.get("kind"):
        raise PatternError("Kind: choose a kind of execution pattern.", "kind")
    known = {name: data[name] for name in Pattern.__dataclass_fields__ if name in data}
    if isinstance(known.get("days"), (list, set, frozenset)):
        known["days"] = tuple(known["days"])
    if known.get("tz") in (None, ""):
        known.pop("tz", None)
    return validate(Pattern(**known))


def _whole(value, low: int, high: int, field: str, message: str) -> int:
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal():
        number = int(value.strip())
    if number is None or not low <= number <= high:
        raise PatternError(f'{message}, not "{value}".', field)
    return number


_TIME = re.compile(r"(\d{1,2}):(\d{2})")


@lru_cache(maxsize=2048)
def _parse_time(text) -> tuple[int, int]:
    match = _TIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        if not text:
            raise PatternError("Time: enter a time of day as HH:MM on the 24-hour clock.", "time")
        raise PatternError(f'Time: "{text}" is not a time of day; use HH:MM on the 24-hour clock, '
                           f'00:00 to 23:59.', "time")
    return int(match[1]), int(match[2])


def _days(days) -> tuple:
    if not isinstance(days, (list, tuple, set, frozenset)):
        days = () if days in (None, "") else (days,)
    if not days:
        raise PatternError("Days: choose at least one day of the week.", "days")
    chosen = set()
    for day in days:
        chosen.add(_whole(day, 0, 6, "days", "Days: a day of the week is a number from 0 (Monday) to 6 (Sunday)"))
    return tuple(sorted(chosen))


def _valid_cron(expr) -> str:
    expr = " ".join(expr.split()) if isinstance(expr, str) else ""
    if not expr:
        raise PatternError("Cron expression: enter five fields (minute, hour, day of month, month, "
                           "day of week), e.g. 0 2 * * 1-5.", "cron")
    fields = expr.split()
    if len(fields) != 5:
        raise PatternError(f'Cron expression: "{expr}" has {len(fields)} fields; it needs five (minute, '
                           f'hour, day of month, month, day of week).', "cron")
    try:
        next(CronSim(expr, datetime(2000, 1, 1, tzinfo=UTC)))
    except CronSimError as error:
        detail = str(error).lower() or "bad"
        raise PatternError(f'Cron expression: "{expr}" is not valid ({detail} field).', "cron") from None
    except StopIteration:
        raise PatternError(f'Cron expression: "{expr}" never runs.', "cron") from None
    except (ValueError, IndexError, KeyError):
        raise PatternError(f'Cron expression: "{expr}" is not valid.', "cron") from None
    return expr


@lru_cache(maxsize=1)
def _zone_names() -> dict:
    return {name.lower(): name for name in available_timezones()}


def zone_name(name) -> str:
    """The canonical IANA name of a time zone, forgiving case ("europe/london"); PatternError if unknown."""
    text = name.strip() if isinstance(name, str) else ""
    canonical = _zone_names().get(text.lower()) if text else None
    if canonical is None:
        if not text:
            raise PatternError("Time zone: choose a time zone.", "tz")
        raise PatternError(f'Time zone: "{text}" is not a known time zone; use a name such as Europe/London.', "tz")
    return canonical


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise PatternError(f'Time zone: "{name}" is not a known time zone; use a name such as Europe/London.',
                           "tz") from None


# --- Sentences ---------------------------------------------------------------------------------

def describe(p: Pattern) -> str:
    """The sentence a person reads, e.g. "Every weekday at 02:00 (Europe/London)"."""
    kind, at = p.kind, f"at {p.time}"
    if kind == "minutes":
        text = "Every minute" if p.every == 1 else f"Every {p.every} minutes"
    elif kind == "hourly":
        text = f"Every hour at minute {p.minute}"
    elif kind == "daily":
        text = f"Every day {at}"
    elif kind == "weekdays":
        text = f"Every weekday {at}"
    elif kind == "weekly":
        names = [DAY_NAMES[int(day)] for day in sorted(set(p.days))]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        text = f"Every {listed} {at}"
    elif kind == "monthly_day":
        text = f"Monthly on day {p.day} {at}"
    elif kind == "monthly_last":
        text = f"Monthly on the last day {at}"
    elif kind == "monthly_working":
        text = f"Monthly on the {_ordinal(int(p.day))} working day {at}"
    elif kind == "cron":
        text = f"Cron {p.cron}"
    else:
        raise PatternError(f'Kind: "{kind}" is not a kind of execution pattern.', "kind")
    return f"{text} ({p.tz})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_T = r"(\d{1,2}:\d{2})"
_DAY_WORDS = {name.lower(): index for index, name in enumerate(DAY_NAMES)}
_DAY_WORDS.update({name[:3].lower(): index for index, name in enumerate(DAY_NAMES)})
_SENTENCES = [
    (re.compile(r"every minute"), lambda m: {"kind": "minutes", "every": 1}),
    (re.compile(r"every (\d+) minutes?"), lambda m: {"kind": "minutes", "every": m[1]}),
    (re.compile(r"every hour at minute (\d+)"), lambda m: {"kind": "hourly", "minute": m[1]}),
    (re.compile(rf"every day at {_T}"), lambda m: {"kind": "daily", "time": m[1]}),
    (re.compile(rf"every weekday at {_T}"), lambda m: {"kind": "weekdays", "time": m[1]}),
    (re.compile(rf"every ([a-z, ]+?) at {_T}"), lambda m: _weekly(m[1], m[2])),
    (re.compile(rf"monthly on day (\d+) at {_T}"), lambda m: {"kind": "monthly_day", "day": m[1], "time": m[2]}),
    (re.compile(rf"monthly on the last day at {_T}"), lambda m: {"kind": "monthly_last", "time": m[1]}),
    (re.compile(rf"monthly on the (\d+)(?:st|nd|rd|th)? working day at {_T}"),
     lambda m: {"kind": "monthly_working", "day": m[1], "time": m[2]}),
]
_ZONE_SUFFIX = re.compile(r"\(\s*([^()]*?)\s*\)$")
ACCEPTED_FORMS = (
    'a cron expression such as "0 2 * * 1-5", or one of "Every 15 minutes", "Every hour at minute 15", '
    '"Every day at 02:00", "Every weekday at 02:00", "Every Monday and Friday at 06:30", '
    '"Monthly on day 5 at 02:00", "Monthly on the last day at 23:00", '
    '"Monthly on the 3rd working day at 07:00", optionally followed by a time zone such as "(Europe/London)"'
)


def _weekly(listed: str, time: str) -> dict | None:
    words = [word for word in re.split(r"\s*(?:,|\band\b)\s*", listed) if word]
    if not words or any(word not in _DAY_WORDS for word in words):
        return None
    return {"kind": "weekly", "days": tuple(_DAY_WORDS[word] for word in words), "time": time}


def parse(text: str, tz: str | None = None) -> Pattern:
    """A Pattern from a 5-field cron expression or a sentence describe() gives. A trailing
    "(Zone)" sets the zone; otherwise `tz`, or Europe/London."""
    body = " ".join(str(text or "").split()).rstrip(".")
    suffix = _ZONE_SUFFIX.search(body)
    if suffix:
        tz, body = suffix[1] or tz, body[:suffix.start()].strip()
    zone = {"tz": tz} if tz is not None else {}
    lowered = body.lower()
    if lowered.startswith("cron "):
        return pattern_from_dict({"kind": "cron", "cron": body[5:], **zone})
    for regex, build in _SENTENCES:
        match = regex.fullmatch(lowered)
        data = build(match) if match else None
        if data:
            return pattern_from_dict({**data, **zone})
    if re.fullmatch(r"[\d*][\w*,/#?\- ]*", body):
        return pattern_from_dict({"kind": "cron", "cron": body, **zone})
    if not body:
        raise PatternError(f"Enter an execution pattern: {ACCEPTED_FORMS}.")
    shown = body if len(body) <= 60 else body[:57] + "..."
    raise PatternError(f'"{shown}" is not an execution pattern; use {ACCEPTED_FORMS}.')


# --- Next executions ---------------------------------------------------------------------------

# The last answer per pattern: (after, next). It also answers any later `after` before that next
# execution, which is what the dispatch tick asks for thousands of tasks sharing a few patterns.
_last_answers: dict = {}


def next_after(p: Pattern, after: datetime) -> datetime:
    """The first execution strictly after `after` (an aware datetime), as an aware UTC datetime."""
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("next_after needs an aware datetime")
    after = after.astimezone(UTC)
    try:
        asked, answer = _last_answers.get(p, (None, None))
    except TypeError:  # unhashable fields (a list of days): not remembered
        return _next(p, after)
    if asked is not None and asked <= after < answer:
        return answer
    answer = _next(p, after)
    if len(_last_answers) >= 4096:
        _last_answers.clear()
    _last_answers[p] = (after, answer)
    return answer


def _next(p: Pattern, after: datetime) -> datetime:
    tz, kind = _zone(p.tz), p.kind
    if kind == "minutes":
        return _next_minutes(after, tz, int(p.every))
    if kind == "hourly":
        return _next_hourly(after, tz, int(p.minute))
    if kind == "daily":
        return _next_on_days(after, tz, _parse_time(p.time), None)
    if kind == "weekdays":
        return _next_on_days(after, tz, _parse_time(p.time), (0, 1, 2, 3, 4))
    if kind == "weekly":
        return _next_on_days(after, tz, _parse_time(p.time), _days(p.days))
    if kind == "monthly_day":
        day = int(p.day)
        return _next_monthly(after, tz, _parse_time(p.time), lambda y, m: min(day, calendar.monthrange(y, m)[1]))
    if kind == "monthly_last":
        return _next_monthly(after, tz, _parse_time(p.time), lambda y, m: calendar.monthrange(y, m)[1])
    if kind == "monthly_working":
        day = int(p.day)
        return _next_monthly(after, tz, _parse_time(p.time), lambda y, m: working_day(y, m, day))
    if kind == "cron":
        return _next_cron(p.cron, tz, after)
    raise PatternError(f'Kind: "{kind}" is not a kind of execution pattern.', "kind")


def upcoming(p: Pattern, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` executions after `after`, in UTC."""
    if count < 0:
        raise ValueError("count must not be negative")
    result = []
    for _ in range(count):
        after = next_after(p, after)
        result.append(after)
    return result


def min_interval_seconds(p: Pattern) -> int | None:
    """The nominal smallest gap between two executions, for display (clock changes aside);
    None for a cron expression."""
    day = 86400
    if p.kind == "minutes":
        return 60 * int(p.every)
    if p.kind == "hourly":
        return 3600
    if p.kind in ("daily", "weekdays"):
        return day
    if p.kind == "weekly":
        days = sorted({int(d) for d in p.days})
        return day * min((b - a) % 7 or 7 for a, b in zip(days, days[1:] + days[:1]))
    if p.kind in ("monthly_day", "monthly_last", "monthly_working"):
        return day * _monthly_min_gap_days(p.kind, int(p.day))
    return None


@lru_cache(maxsize=64)
def _monthly_min_gap_days(kind: str, n: int) -> int:
    # Weekdays and leap years repeat every 28 years within a century: scan one such cycle.
    rule = {"monthly_day": lambda y, m: min(n, calendar.monthrange(y, m)[1]),
            "monthly_last": lambda y, m: calendar.monthrange(y, m)[1],
            "monthly_working": lambda y, m: working_day(y, m, n)}[kind]
    dates = [date(y, m, rule(y, m)) for y in range(2001, 2030) for m in range(1, 13)]
    return min((b - a).days for a, b in zip(dates, dates[1:]))


@lru_cache(maxsize=8192)
def working_day(year: int, month: int, n: int) -> int:
    """The day of the month of its Nth working day (Monday to Friday), or of its last one."""
    first_weekday, length = calendar.monthrange(year, month)
    count = last = 0
    for day in range(1, length + 1):
        if (first_weekday + day - 1) % 7 < 5:
            count, last = count + 1, day
            if count == n:
                return day
    return last


def local_instant(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time: a repeated time's first occurrence, a skipped time's
    change instant."""
    naive = datetime(day.year, day.month, day.day, hour, minute)
    first = naive.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Skipped: with fold=0 zoneinfo uses the offset before the change (an instant after it), with
    # fold=1 the offset after (an instant before it). Find the change between them.
    low, high = naive.replace(tzinfo=tz, fold=1).astimezone(UTC), first
    new_offset = high.astimezone(tz).utcoffset()
    second = timedelta(seconds=1)
    while high - low > second:
        middle = low + (high - low) // second // 2 * second
        if middle.astimezone(tz).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return high


def _next_minutes(after: datetime, tz: ZoneInfo, every: int) -> datetime:
    today = after.astimezone(tz).date()
    start = local_instant(today, 0, 0, tz)
    step = timedelta(minutes=every)
    candidate = start + ((after - start) // step + 1) * step
    tomorrow = local_instant(today + timedelta(days=1), 0, 0, tz)
    return candidate if candidate < tomorrow else tomorrow


def _next_hourly(after: datetime, tz: ZoneInfo, minute: int) -> datetime:
    offset = after.astimezone(tz).utcoffset()
    wall = after.replace(tzinfo=None) + offset
    candidate = wall.replace(minute=minute, second=0, microsecond=0)
    if candidate <= wall:
        candidate += timedelta(hours=1)
    candidate = (candidate - offset).replace(tzinfo=UTC)
    if candidate.astimezone(tz).utcoffset() == offset:
        return candidate
    return _next_cron(f"{minute} * * * *", tz, after)  # the offset changes before it: rare


def _next_on_days(after: datetime, tz: ZoneInfo, hm: tuple[int, int], weekdays: tuple | None) -> datetime:
    day = after.astimezone(tz).date()
    for _ in range(8):
        if weekdays is None or day.weekday() in weekdays:
            candidate = local_instant(day, *hm, tz)
            if candidate > after:
                return candidate
        day += timedelta(days=1)
    raise PatternError("Days: choose at least one day of the week.", "days")


def _next_monthly(after: datetime, tz: ZoneInfo, hm: tuple[int, int], day_of) -> datetime:
    local = after.astimezone(tz)
    year, month = local.year, local.month
    while True:
        candidate = local_instant(date(year, month, day_of(year, month)), *hm, tz)
        if candidate > after:
            return candidate
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)


@lru_cache(maxsize=4096)
def _parsed_cron(expr: str, tz: ZoneInfo) -> CronSim:
    return CronSim(expr, datetime(2000, 1, 1, tzinfo=tz))


def _cron_runs(expr: str, tz: ZoneInfo, start: datetime) -> CronSim:
    # Parsing is a third of a cronsim call: copy a parsed one and move its clock (cronsim 2.8's own
    # attributes: `dt`, naive local when `fixup_tz` is set). The tests compare with fresh CronSims.
    runs = copy.copy(_parsed_cron(expr, tz))
    start = start.astimezone(tz).replace(microsecond=0)
    runs.dt = start.replace(tzinfo=None) if runs.fixup_tz else start
    return runs


def _next_cron(expr: str, tz: ZoneInfo, after: datetime) -> datetime:
    try:
        runs = _cron_runs(expr, tz, after)
        while True:
            # cronsim works on local wall times; one in a repeated hour may fall before `after`.
            candidate = next(runs).astimezone(UTC)
            if candidate > after:
                return candidate
    except CronSimError as error:
        raise PatternError(f'Cron expression: "{expr}" is not valid ({str(error).lower()} field).', "cron") from None
    except StopIteration:
        raise PatternError(f'Cron expression: "{expr}" never runs.', "cron") from None
