from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from scheduler.patterns import PatternError, parse, upcoming, zone_name

MAX_COUNT = 1000


class Command(BaseCommand):
    help = (
        "Print the next executions of an execution pattern (a cron expression or the sentence the "
        "Scheduled task page shows), one ISO-8601 time with its UTC offset per line, in the "
        "pattern's time zone."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("pattern", help='e.g. "0 2 * * 1-5" or "Every weekday at 02:00 (Europe/London)"')
        parser.add_argument("--tz", help="IANA time zone of a pattern that names none (default Europe/London)")
        parser.add_argument("--after", help="ISO-8601 date and time to start after (default now; no offset means UTC)")
        parser.add_argument("--count", type=int, default=5, help=f"how many executions (1 to {MAX_COUNT}, default 5)")

    def handle(self, *args, pattern, tz, after, count, **options):
        if not 1 <= count <= MAX_COUNT:
            raise _usage(f"--count: must be from 1 to {MAX_COUNT}, not {count}.")
        start = _start(after)
        try:
            execution_pattern = parse(pattern, tz)
            if tz is not None and zone_name(tz) != execution_pattern.tz:
                raise _usage(f"--tz {tz} disagrees with the pattern's own time zone ({execution_pattern.tz}).")
            runs = upcoming(execution_pattern, start, count)
        except PatternError as error:
            raise _usage(str(error)) from None
        except OverflowError:
            raise _usage("--after: there are no executions that late.") from None
        zone = ZoneInfo(execution_pattern.tz)
        for run in runs:
            self.stdout.write(run.astimezone(zone).isoformat())


def _start(after: str | None) -> datetime:
    if after is None:
        return datetime.now(timezone.utc)
    try:
        start = datetime.fromisoformat(after.strip())
    except ValueError:
        raise _usage(f'--after: "{after}" is not an ISO-8601 date and time, e.g. 2026-10-25T00:00:00+01:00.') from None
    return start if start.tzinfo is not None else start.replace(tzinfo=timezone.utc)


def _usage(message: str) -> CommandError:
    # Usage and configuration errors exit 2 in this project's commands.
    return CommandError(message, returncode=2)
