"""python manage.py scheduler_tick [--now ISO-8601] [--json]

Runs one dispatch tick, as django-celery-beat does every minute, and prints how many runs it
started. `--now` (ISO-8601; without an offset it means UTC) dispatches as if it were that time.
Exit 0; 2 for a usage error.
"""

import json
from datetime import datetime, timezone

from django.core.management.base import BaseCommand, CommandError

from scheduler import dispatch


def parse_instant(text):
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"--now '{text}' is not an ISO-8601 date and time (e.g. 2026-10-25T01:30:00+01:00).", returncode=2) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class Command(BaseCommand):
    help = "Run one Scheduler dispatch tick: start every due scheduled task once; prints how many runs started."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Dispatch as at this ISO-8601 instant (default: now; no offset means UTC).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with the counts.")

    def handle(self, *args, **options):
        now = parse_instant(options["now"]) if options.get("now") else None
        totals = dispatch.tick(now=now)
        if options["json"]:
            self.stdout.write(json.dumps(totals))
            return
        started = totals["started"]
        self.stdout.write(f"{started} run{'s' if started != 1 else ''} started "
                          f"({totals['claimed']} due task{'s' if totals['claimed'] != 1 else ''} claimed, {totals['skipped']} skipped).")
