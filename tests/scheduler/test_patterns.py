"""Execution patterns: sentences, validation, and next executions across the clock changes."""

import json
import random
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from scheduler import patterns
from scheduler.patterns import (
    KIND_LABELS,
    KINDS,
    Pattern,
    PatternError,
    describe,
    min_interval_seconds,
    next_after,
    parse,
    pattern_from_dict,
    pattern_to_dict,
    upcoming,
    validate,
    working_day,
)

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def chain(p, start, end):
    """Every execution from `start` to `end`, each asked for from the one before."""
    runs, at = [], start
    while True:
        previous, at = at, next_after(p, at)
        assert at > previous, f"{describe(p)}: {at} after {previous}"
        if at >= end:
            return runs
        runs.append(at)


def cronsim_runs(expr, zone, start, end):
    runs = []
    for at in CronSim(expr, start.astimezone(ZoneInfo(zone))):
        at = at.astimezone(UTC)
        if at >= end:
            return runs
        runs.append(at)


# --- Sentences -----------------------------------------------------------------------------------

SENTENCES = [
    (Pattern("minutes", every=15), "Every 15 minutes (Europe/London)"),
    (Pattern("minutes", every=1), "Every minute (Europe/London)"),
    (Pattern("minutes", every=720, tz="Asia/Tokyo"), "Every 720 minutes (Asia/Tokyo)"),
    (Pattern("hourly", minute=15), "Every hour at minute 15 (Europe/London)"),
    (Pattern("hourly", minute=0), "Every hour at minute 0 (Europe/London)"),
    (Pattern("daily", time="02:00"), "Every day at 02:00 (Europe/London)"),
    (Pattern("weekdays", time="02:00"), "Every weekday at 02:00 (Europe/London)"),
    (Pattern("weekly", days=(0, 2, 4), time="06:30"), "Every Monday, Wednesday and Friday at 06:30 (Europe/London)"),
    (Pattern("weekly", days=(6,), time="23:59"), "Every Sunday at 23:59 (Europe/London)"),
    (Pattern("weekly", days=(5, 6), time="00:00"), "Every Saturday and Sunday at 00:00 (Europe/London)"),
    (Pattern("weekly", days=(0, 1, 2, 3, 4), time="08:00"),
     "Every Monday, Tuesday, Wednesday, Thursday and Friday at 08:00 (Europe/London)"),
    (Pattern("monthly_day", day=5, time="02:00"), "Monthly on day 5 at 02:00 (Europe/London)"),
    (Pattern("monthly_last", time="23:00"), "Monthly on the last day at 23:00 (Europe/London)"),
    (Pattern("monthly_working", day=3, time="07:00"), "Monthly on the 3rd working day at 07:00 (Europe/London)"),
    (Pattern("monthly_working", day=11, time="07:00"), "Monthly on the 11th working day at 07:00 (Europe/London)"),
    (Pattern("monthly_working", day=22, time="07:00"), "Monthly on the 22nd working day at 07:00 (Europe/London)"),
    (Pattern("cron", cron="0 2 * * 1-5"), "Cron 0 2 * * 1-5 (Europe/London)"),
    (Pattern("cron", cron="*/5 9-17 * * MON-FRI", tz="America/New_York"),
     "Cron */5 9-17 * * MON-FRI (America/New_York)"),
]


@pytest.mark.parametrize(("pattern", "sentence"), SENTENCES, ids=[s for _, s in SENTENCES])
def test_each_pattern_reads_as_a_sentence_that_parses_back_to_it(pattern, sentence):
    assert validate(pattern) == pattern
    assert describe(pattern) == sentence
    assert parse(sentence) == pattern
    assert pattern_from_dict(json.loads(json.dumps(pattern_to_dict(pattern)))) == pattern


def test_every_kind_has_a_label_and_a_sentence_in_the_list():
    assert set(KIND_LABELS) == set(KINDS)
    assert {p.kind for p, _ in SENTENCES} == set(KINDS)


@pytest.mark.parametrize(("text", "expected"), [
    ("  every   WEEKDAY at 2:00  ", Pattern("weekdays", time="02:00")),
    ("EVERY 15 MINUTES (europe/london)", Pattern("minutes", every=15)),
    ("every fri, mon AND wed at 06:30", Pattern("weekly", days=(0, 2, 4), time="06:30")),
    ("Monthly on the 3 working day at 07:00", Pattern("monthly_working", day=3, time="07:00")),
    ("Every day at 02:00.", Pattern("daily", time="02:00")),
    ("0 2 * * 1-5", Pattern("cron", cron="0 2 * * 1-5")),
    ("  0  2 * *   1-5 ", Pattern("cron", cron="0 2 * * 1-5")),
    ("cron 0 2 * * 1-5 (Europe/Paris)", Pattern("cron", cron="0 2 * * 1-5", tz="Europe/Paris")),
])
def test_parsing_forgives_case_and_spaces(text, expected):
    assert parse(text) == expected


def test_the_tz_argument_applies_only_when_the_sentence_names_no_zone():
    assert parse("Every day at 02:00", tz="America/New_York").tz == "America/New_York"
    assert parse("0 2 * * *", tz="america/new_york").tz == "America/New_York"
    assert parse("Every day at 02:00 (Asia/Tokyo)", tz="America/New_York").tz == "Asia/Tokyo"
    assert parse("Every day at 02:00").tz == "Europe/London"


def test_validation_normalises_and_drops_the_fields_the_kind_does_not_use():
    p = validate(Pattern("weekly", days=(4, 0, 4), time="6:30", minute=7, every=3, cron="x", tz="europe/london"))
    assert p == Pattern("weekly", days=(0, 4), time="06:30")
    assert pattern_to_dict(p) == {"kind": "weekly", "tz": "Europe/London", "days": [0, 4], "time": "06:30"}


def test_a_dict_from_a_form_with_strings_and_extra_keys_is_accepted():
    data = {"kind": "monthly_day", "day": "5", "time": "02:00", "minute": "", "name": "Nightly", "tz": ""}
    assert pattern_from_dict(data) == Pattern("monthly_day", day=5, time="02:00")


# --- Bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "daily", "time": "25:00"}, "time",
     'Time: "25:00" is not a time of day; use HH:MM on the 24-hour clock, 00:00 to 23:59.'),
    ({"kind": "daily", "time": "2pm"}, "time",
     'Time: "2pm" is not a time of day; use HH:MM on the 24-hour clock, 00:00 to 23:59.'),
    ({"kind": "daily", "time": "12:60"}, "time",
     'Time: "12:60" is not a time of day; use HH:MM on the 24-hour clock, 00:00 to 23:59.'),
    ({"kind": "daily"}, "time", "Time: enter a time of day as HH:MM on the 24-hour clock."),
    ({"kind": "hourly", "minute": 60}, "minute",
     'Minute: the minute past the hour must be a whole number from 0 to 59, not "60".'),
    ({"kind": "minutes", "every": 0}, "every", 'Every: the number of minutes must be a whole number from 1 to 720, not "0".'),
    ({"kind": "minutes", "every": 721}, "every",
     'Every: the number of minutes must be a whole number from 1 to 720, not "721".'),
    ({"kind": "minutes", "every": True}, "every",
     'Every: the number of minutes must be a whole number from 1 to 720, not "True".'),
    ({"kind": "weekly", "days": [], "time": "06:30"}, "days", "Days: choose at least one day of the week."),
    ({"kind": "weekly", "days": [7], "time": "06:30"}, "days",
     'Days: a day of the week is a number from 0 (Monday) to 6 (Sunday), not "7".'),
    ({"kind": "monthly_day", "day": 32, "time": "02:00"}, "day",
     'Day: the day of the month must be a whole number from 1 to 31, not "32".'),
    ({"kind": "monthly_working", "day": 24, "time": "02:00"}, "day",
     'Day: the working day must be a whole number from 1 to 23, not "24".'),
    ({"kind": "cron", "cron": "61 * * * *"}, "cron", 'Cron expression: "61 * * * *" is not valid (bad minute field).'),
    ({"kind": "cron", "cron": "0 0 30 2 *"}, "cron",
     'Cron expression: "0 0 30 2 *" is not valid (bad day-of-month field).'),
    ({"kind": "cron", "cron": "0 0 * * * *"}, "cron",
     'Cron expression: "0 0 * * * *" has 6 fields; it needs five (minute, hour, day of month, month, day of week).'),
    ({"kind": "daily", "time": "02:00", "tz": "Europe/Londres"}, "tz",
     'Time zone: "Europe/Londres" is not a known time zone; use a name such as Europe/London.'),
    ({"kind": "fortnightly"}, "kind", None),
    ({}, "kind", "Kind: choose a kind of execution pattern."),
])
def test_bad_patterns_are_refused_with_the_field_and_the_problem(data, field, message):
    with pytest.raises(PatternError) as error:
        pattern_from_dict(data)
    assert error.value.field == field
    assert "\n" not in str(error.value)
    if message:
        assert str(error.value) == message


def test_parse_reports_bad_values_inside_a_recognised_sentence():
    with pytest.raises(PatternError, match="^Minute: .* not \"60\""):
        parse("Every hour at minute 60")
    with pytest.raises(PatternError, match="^Day: the working day .* not \"24\""):
        parse("Monthly on the 24th working day at 07:00")
    with pytest.raises(PatternError, match="^Time zone: \"Europe/Londres\""):
        parse("Every day at 02:00 (Europe/Londres)")
    with pytest.raises(PatternError, match="^Cron expression: \"61 \\* \\* \\* \\*\" is not valid"):
        parse("61 * * * *")


@pytest.mark.parametrize("text", ["every fortnight", "Every Funday at 02:00", "", "at 02:00 daily"])
def test_unknown_text_lists_the_accepted_forms(text):
    with pytest.raises(PatternError) as error:
        parse(text)
    message = str(error.value)
    assert "cron expression" in message and "Every weekday at 02:00" in message
    assert "Monthly on the 3rd working day at 07:00" in message and "(Europe/London)" in message


def test_next_after_needs_an_aware_datetime():
    with pytest.raises(ValueError):
        next_after(Pattern("daily", time="02:00"), datetime(2026, 1, 1))


# --- Clock changes in Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST, 2026-10-25 02:00 BST -> 01:00 GMT

def test_a_daily_task_in_the_repeated_hour_runs_once_at_its_first_occurrence():
    p = Pattern("daily", time="01:30")
    assert upcoming(p, utc(2026, 10, 24, 12), 3) == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30),
                                                    utc(2026, 10, 27, 1, 30)]
    # Asked from within the second 01:xx hour, it does not go back to the first one.
    assert next_after(p, utc(2026, 10, 25, 1, 10)) == utc(2026, 10, 26, 1, 30)


def test_a_daily_task_in_the_skipped_hour_runs_once_at_the_change():
    p = Pattern("daily", time="01:30")
    assert upcoming(p, utc(2026, 3, 28, 12), 3) == [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)]
    assert next_after(p, utc(2026, 3, 29, 1)) == utc(2026, 3, 30, 0, 30)


def test_weekdays_keep_their_local_time_across_both_changes():
    p = Pattern("weekdays", time="02:00")
    assert upcoming(p, utc(2026, 3, 26, 12), 3) == [utc(2026, 3, 27, 2), utc(2026, 3, 30, 1), utc(2026, 3, 31, 1)]
    assert upcoming(p, utc(2026, 10, 22, 12), 3) == [utc(2026, 10, 23, 1), utc(2026, 10, 26, 2), utc(2026, 10, 27, 2)]


def test_every_15_minutes_runs_every_real_quarter_hour_through_both_changes():
    p = Pattern("minutes", every=15)
    october = chain(p, utc(2026, 10, 24, 22, 59), utc(2026, 10, 26, 0))   # the whole of Sunday 25 October
    assert len(october) == 100 and len(set(october)) == 100
    assert all(b - a == timedelta(minutes=15) for a, b in zip(october, october[1:]))
    local = [at.astimezone(LONDON) for at in october]
    assert sum(1 for at in local if at.hour == 1) == 8           # both 01:xx hours
    march = chain(p, utc(2026, 3, 28, 23, 59), utc(2026, 3, 29, 23))
    assert len(march) == 92
    assert all(b - a == timedelta(minutes=15) for a, b in zip(march, march[1:]))
    assert not any(at.astimezone(LONDON).hour == 1 for at in march)


def test_every_n_minutes_counts_real_time_from_each_local_midnight():
    seven = chain(Pattern("minutes", every=7), utc(2026, 6, 1, 22, 59), utc(2026, 6, 3, 23))
    first_day = [at for at in seven if at.astimezone(LONDON).date() == date(2026, 6, 2)]
    assert len(first_day) == 206                                  # 1440 / 7 = 205.7
    assert first_day[-1].astimezone(LONDON).strftime("%H:%M") == "23:55"
    assert seven[len(first_day) + seven.index(first_day[0])].astimezone(LONDON).strftime("%H:%M") == "00:00"
    # On the 25-hour day, 12 and 24 real hours after midnight are 11:00 and 23:00 on the clock.
    twelve = upcoming(Pattern("minutes", every=720), utc(2026, 10, 24, 22, 30), 4)
    assert twelve == [utc(2026, 10, 24, 23), utc(2026, 10, 25, 11), utc(2026, 10, 25, 23), utc(2026, 10, 26, 0)]


def test_hourly_runs_every_real_hour_so_twice_at_minute_15_in_the_repeated_hour():
    p = Pattern("hourly", minute=15)
    assert upcoming(p, utc(2026, 10, 24, 23, 30), 3) == [utc(2026, 10, 25, 0, 15), utc(2026, 10, 25, 1, 15),
                                                        utc(2026, 10, 25, 2, 15)]
    assert [at.astimezone(LONDON).strftime("%H:%M%z") for at in upcoming(p, utc(2026, 10, 24, 23, 30), 2)] == [
        "01:15+0100", "01:15+0000"]
    assert upcoming(p, utc(2026, 3, 29, 0), 2) == [utc(2026, 3, 29, 0, 15), utc(2026, 3, 29, 1, 15)]  # 00:15 GMT, 02:15 BST


def test_monthly_kinds_on_the_days_of_the_changes():
    assert next_after(Pattern("monthly_day", day=25, time="01:30"), utc(2026, 10, 1)) == utc(2026, 10, 25, 0, 30)
    assert next_after(Pattern("monthly_day", day=29, time="01:30"), utc(2026, 3, 1)) == utc(2026, 3, 29, 1)
    assert next_after(Pattern("monthly_last", time="01:30"), utc(2027, 10, 1)) == utc(2027, 10, 31, 0, 30)
    assert next_after(Pattern("monthly_last", time="01:30"), utc(2024, 3, 1)) == utc(2024, 3, 31, 1)
    # Asia/Jerusalem moves on Friday 2026-03-27 at 02:00, its 20th working day (Monday to Friday).
    jerusalem = Pattern("monthly_working", day=20, time="02:30", tz="Asia/Jerusalem")
    assert upcoming(jerusalem, utc(2026, 3, 1), 2) == [utc(2026, 3, 27, 0), utc(2026, 4, 27, 23, 30)]
    working = Pattern("monthly_working", day=1, time="01:30")
    assert upcoming(working, utc(2026, 9, 1, 12), 2) == [utc(2026, 10, 1, 0, 30), utc(2026, 11, 2, 1, 30)]


def test_new_york_changes_on_its_own_dates():
    p = Pattern("daily", time="02:30", tz="America/New_York")
    assert upcoming(p, utc(2026, 3, 7, 12), 2) == [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]  # 03:00 EDT, 02:30 EDT
    fall_back = Pattern("daily", time="01:30", tz="America/New_York")
    assert upcoming(fall_back, utc(2026, 10, 31, 12), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]
    # London does not move that day.
    assert next_after(Pattern("daily", time="02:30"), utc(2026, 3, 8)) == utc(2026, 3, 8, 2, 30)


def test_a_skipped_midnight_starts_the_day_at_the_change():
    # America/Santiago goes from 2026-09-05 23:59:59 -04 to 2026-09-06 01:00 -03.
    p = Pattern("minutes", every=60, tz="America/Santiago")
    assert upcoming(p, utc(2026, 9, 6, 2, 30), 3) == [utc(2026, 9, 6, 3), utc(2026, 9, 6, 4), utc(2026, 9, 6, 5)]
    assert next_after(Pattern("daily", time="00:00", tz="America/Santiago"), utc(2026, 9, 5, 12)) == utc(2026, 9, 6, 4)


# --- Months --------------------------------------------------------------------------------------

def test_the_nth_working_day_of_a_month_that_starts_on_a_saturday():
    # August 2026 starts on a Saturday: its 1st working day is Monday the 3rd.
    assert [working_day(2026, 8, n) for n in (1, 3, 5, 6, 21)] == [3, 5, 7, 10, 31]
    p = Pattern("monthly_working", day=3, time="07:00")
    assert next_after(p, utc(2026, 7, 31)) == utc(2026, 8, 5, 6)


def test_a_month_with_fewer_working_days_runs_on_its_last_working_day():
    assert working_day(2026, 2, 20) == 27 and working_day(2026, 2, 23) == 27   # February 2026 has 20
    p = Pattern("monthly_working", day=23, time="07:00")
    assert upcoming(p, utc(2026, 1, 1), 3) == [utc(2026, 1, 30, 7), utc(2026, 2, 27, 7), utc(2026, 3, 31, 6)]


def test_the_last_day_and_day_31_in_a_leap_february():
    assert upcoming(Pattern("monthly_last", time="23:00"), utc(2028, 1, 31, 23), 2) == [
        utc(2028, 2, 29, 23), utc(2028, 3, 31, 22)]
    assert upcoming(Pattern("monthly_day", day=31, time="09:00"), utc(2028, 2, 1), 3) == [
        utc(2028, 2, 29, 9), utc(2028, 3, 31, 8), utc(2028, 4, 30, 8)]
    assert next_after(Pattern("monthly_day", day=29, time="09:00"), utc(2027, 2, 1)) == utc(2027, 2, 28, 9)


# --- A year of executions, one asked for from the one before ---------------------------------------

YEAR = (utc(2025, 12, 31, 23, 59), utc(2027, 1, 1))
AGAINST_CRONSIM = [
    (Pattern("daily", time="01:30"), "30 1 * * *"),
    (Pattern("daily", time="02:30", tz="America/New_York"), "30 2 * * *"),
    (Pattern("daily", time="00:00", tz="America/Santiago"), "0 0 * * *"),
    (Pattern("weekdays", time="02:00"), "0 2 * * 1-5"),
    (Pattern("weekly", days=(0, 6), time="01:45", tz="America/New_York"), "45 1 * * 0,1"),
    (Pattern("hourly", minute=15), "15 * * * *"),
    (Pattern("hourly", minute=45, tz="Australia/Lord_Howe"), "45 * * * *"),
    (Pattern("hourly", minute=10, tz="Asia/Kolkata"), "10 * * * *"),
    (Pattern("minutes", every=15), "*/15 * * * *"),
    (Pattern("minutes", every=20, tz="America/New_York"), "*/20 * * * *"),
    (Pattern("monthly_day", day=28, time="01:30"), "30 1 28 * *"),
    (Pattern("monthly_last", time="01:30"), "30 1 L * *"),
]


@pytest.mark.parametrize(("pattern", "expr"), AGAINST_CRONSIM, ids=[describe(p) for p, _ in AGAINST_CRONSIM])
def test_a_year_of_executions_matches_cronsim(pattern, expr):
    runs = chain(pattern, *YEAR)
    assert runs == cronsim_runs(expr, pattern.tz, *YEAR)
    assert all(a < b for a, b in zip(runs, runs[1:]))


def _per_local_day(runs, zone):
    return Counter(at.astimezone(ZoneInfo(zone)).date() for at in runs)


def _days_of(year, zone):
    tz, day = ZoneInfo(zone), date(year, 1, 1)
    while day.year == year:
        start = datetime.combine(day, datetime.min.time(), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
        yield day, (end - start) // timedelta(hours=1)
        day += timedelta(days=1)


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_a_year_of_every_kind_runs_the_expected_number_of_times_each_day(zone):
    start = datetime(2026, 1, 1, tzinfo=ZoneInfo(zone)) - timedelta(seconds=1)
    end = datetime(2027, 1, 1, tzinfo=ZoneInfo(zone))
    lengths = dict(_days_of(2026, zone))
    assert sorted(Counter(lengths.values()).items()) == [(23, 1), (24, 363), (25, 1)]
    expected = {
        Pattern("minutes", every=30, tz=zone): lambda d: lengths[d] * 2,
        Pattern("hourly", minute=30, tz=zone): lambda d: lengths[d],
        Pattern("daily", time="01:30", tz=zone): lambda d: 1,
        Pattern("weekdays", time="02:30", tz=zone): lambda d: d.weekday() < 5,
        Pattern("weekly", days=(1, 6), time="02:15", tz=zone): lambda d: d.weekday() in (1, 6),
        Pattern("monthly_day", day=31, time="01:30", tz=zone): lambda d: (d + timedelta(days=1)).day == 1,
        Pattern("monthly_last", time="02:30", tz=zone): lambda d: (d + timedelta(days=1)).day == 1,
        Pattern("monthly_working", day=2, time="01:00", tz=zone):
            lambda d: d.weekday() < 5 and working_day(d.year, d.month, 2) == d.day,
        Pattern("cron", cron="30 1 * * 0", tz=zone): lambda d: d.weekday() == 6,
    }
    for p, count in expected.items():
        runs = chain(p, start, end)
        assert all(a < b for a, b in zip(runs, runs[1:])), describe(p)
        per_day = _per_local_day(runs, zone)
        assert {d: int(count(d)) for d in lengths if count(d)} == dict(per_day), describe(p)


# --- Cron expressions ----------------------------------------------------------------------------

def test_a_cron_expression_is_strictly_after_even_from_the_second_pass_of_a_repeated_hour():
    p = Pattern("cron", cron="45 1 * * *")
    assert next_after(p, utc(2026, 10, 25, 0, 44)) == utc(2026, 10, 25, 0, 45)
    assert next_after(p, utc(2026, 10, 25, 1, 10)) == utc(2026, 10, 26, 1, 45)   # 01:10 GMT: 01:45 BST has passed
    assert next_after(p, utc(2026, 10, 25, 0, 45)) == utc(2026, 10, 26, 1, 45)


def test_cron_results_match_a_fresh_cronsim_from_any_instant():
    rng = random.Random(7)
    for expr in ["0 2 * * 1-5", "*/5 * * * *", "30 1 * * *", "15 */2 1,15 * *", "0 9 * * MON#1", "0 0 L * *"]:
        for _ in range(200):
            after = utc(2026, 1, 1) + timedelta(seconds=rng.randrange(366 * 86400), microseconds=rng.randrange(10**6))
            expected = next(at for at in CronSim(expr, after.astimezone(LONDON)) if at > after)
            assert next_after(Pattern("cron", cron=expr), after) == expected.astimezone(UTC)


# --- Details -------------------------------------------------------------------------------------

def test_next_after_is_strictly_after_accepts_any_zone_and_answers_in_utc():
    p = Pattern("daily", time="02:00")
    assert next_after(p, utc(2026, 6, 1, 1)) == utc(2026, 6, 2, 1)                 # exactly at a run
    assert next_after(p, utc(2026, 6, 1, 0, 59, 59, 999999)) == utc(2026, 6, 1, 1)
    new_york = datetime(2026, 5, 31, 20, 30, tzinfo=ZoneInfo("America/New_York"))   # 01:30 BST on 1 June
    result = next_after(p, new_york)
    assert result == utc(2026, 6, 1, 1) and result.tzinfo is UTC


def test_a_remembered_answer_is_reused_only_for_instants_it_still_answers():
    p = Pattern("daily", time="02:00", tz="Asia/Tokyo")
    assert next_after(p, utc(2026, 6, 1, 12)) == utc(2026, 6, 1, 17)
    assert next_after(p, utc(2026, 6, 1, 16, 59)) == utc(2026, 6, 1, 17)
    assert next_after(p, utc(2026, 6, 1, 17)) == utc(2026, 6, 2, 17)
    assert next_after(p, utc(2026, 5, 31, 12)) == utc(2026, 5, 31, 17)
    rng = random.Random(3)
    for p in [Pattern("minutes", every=25), Pattern("cron", cron="*/7 1-3 * * *"), Pattern("weekdays", time="01:30")]:
        afters = sorted(utc(2026, 10, 24) + timedelta(seconds=rng.randrange(4 * 86400)) for _ in range(300))
        assert [next_after(p, a) for a in afters] == [patterns._next(p, a) for a in afters]


def test_upcoming_gives_five_by_default():
    runs = upcoming(Pattern("minutes", every=10), utc(2026, 6, 1, 12, 1))
    assert runs == [utc(2026, 6, 1, 12, 10) + timedelta(minutes=10 * i) for i in range(5)]
    assert upcoming(Pattern("minutes", every=10), utc(2026, 6, 1), 0) == []


@pytest.mark.parametrize(("pattern", "seconds"), [
    (Pattern("minutes", every=15), 900),
    (Pattern("hourly", minute=5), 3600),
    (Pattern("daily", time="02:00"), 86400),
    (Pattern("weekdays", time="02:00"), 86400),
    (Pattern("weekly", days=(0, 2, 4), time="02:00"), 2 * 86400),
    (Pattern("weekly", days=(3,), time="02:00"), 7 * 86400),
    (Pattern("monthly_day", day=1, time="02:00"), 28 * 86400),
    (Pattern("monthly_last", time="02:00"), 28 * 86400),
    (Pattern("cron", cron="0 2 * * *"), None),
])
def test_the_nominal_smallest_gap(pattern, seconds):
    assert min_interval_seconds(pattern) == seconds
