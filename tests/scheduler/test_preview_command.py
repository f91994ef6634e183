import os
import subprocess
import sys
from datetime import datetime, timezone
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def preview(*args):
    out = StringIO()
    call_command("scheduler_preview", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_each_execution_with_its_utc_offset_across_the_october_change():
    assert preview("Every weekday at 02:00 (Europe/London)", "--after", "2026-10-22T12:00:00Z", "--count", "3") == [
        "2026-10-23T02:00:00+01:00", "2026-10-26T02:00:00+00:00", "2026-10-27T02:00:00+00:00"]


def test_a_daily_task_in_the_skipped_hour_shows_the_change():
    assert preview("30 1 * * *", "--after", "2026-03-28T12:00", "--count", "2") == [
        "2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]


def test_after_without_an_offset_is_utc_and_with_one_is_honoured():
    assert preview("Every hour at minute 0", "--after", "2026-06-01T10:30", "--count", "1") == ["2026-06-01T12:00:00+01:00"]
    assert preview("Every hour at minute 0", "--after", "2026-06-01T10:30+01:00", "--count", "1") == [
        "2026-06-01T11:00:00+01:00"]


def test_tz_sets_the_zone_of_a_pattern_that_names_none():
    assert preview("every day at 02:30", "--tz", "America/New_York", "--after", "2026-03-07T12:00Z", "--count", "2") == [
        "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"]


def test_by_default_it_prints_the_next_five_from_now():
    before = datetime.now(timezone.utc)
    lines = preview("Every 10 minutes")
    runs = [datetime.fromisoformat(line) for line in lines]
    assert len(runs) == 5 and before < runs[0] and all(a < b for a, b in zip(runs, runs[1:]))


@pytest.mark.parametrize(("args", "message"), [
    (["61 * * * *"], 'Cron expression: "61 * * * *" is not valid (bad minute field).'),
    (["Every day at 02:00", "--tz", "Europe/Londres"],
     'Time zone: "Europe/Londres" is not a known time zone; use a name such as Europe/London.'),
    (["Every day at 02:00 (Europe/Paris)", "--tz", "Europe/London"],
     "--tz Europe/London disagrees with the pattern's own time zone (Europe/Paris)."),
    (["Every day at 02:00", "--after", "yesterday"],
     '--after: "yesterday" is not an ISO-8601 date and time, e.g. 2026-10-25T00:00:00+01:00.'),
    (["Every day at 02:00", "--count", "0"], "--count: must be from 1 to 1000, not 0."),
    (["Every day at 02:00", "--count", "1001"], "--count: must be from 1 to 1000, not 1001."),
    (["Every fortnight"], None),
])
def test_bad_input_is_a_usage_error_with_a_clear_message(args, message):
    with pytest.raises(CommandError) as error:
        preview(*args)
    assert error.value.returncode == 2
    if message:
        assert str(error.value) == message
    else:
        assert "is not an execution pattern" in str(error.value)


def test_from_the_command_line_it_prints_only_the_executions_and_exits_2_on_bad_input():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "finance.settings"}
    env.setdefault("DEBUG", "true")
    command = [sys.executable, "manage.py", "scheduler_preview"]
    ok = subprocess.run(command + ["Monthly on the last day at 23:00", "--after", "2028-01-31T23:00Z", "--count", "2"],
                        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "2028-02-29T23:00:00+00:00\n2028-03-31T23:00:00+01:00\n"
    bad = subprocess.run(command + ["Every day at 02:00", "--tz", "Europe/Londres"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert 'Time zone: "Europe/Londres" is not a known time zone' in bad.stderr
