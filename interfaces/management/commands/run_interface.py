"""Run an interface from the command line, synchronously, through the same service as the browser.

Exit status: 0 succeeded, 1 completed with errors or failed, 2 usage or configuration error
(with a one-line message on standard error).
"""

import datetime
import json
import os
import sys
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError

from finance.tenancy import scope
from finance.tenancy.models import Tenant
from interfaces import engine
from interfaces.kinds import ACTIONS
from interfaces.models import ImportFileKind, Interface, RunStatus, RunTrigger, Severity
from interfaces.services import RunRequestError, run_request


def _usage(message):
    return CommandError(message, returncode=2)


def _parse_options(pairs):
    options = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise _usage(f"Options are KEY=VALUE, not '{pair}'")
        options[key.strip()] = value
    return options


class Command(BaseCommand):
    help = "Run an interface synchronously (the same path as the Run button) and report the result."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The environment's slug.")
        parser.add_argument("--interface", required=True, help="The interface's description.")
        parser.add_argument("--file", action="append", default=[], dest="files", metavar="PATH", help="An input file (repeatable).")
        parser.add_argument("--option", action="append", default=[], dest="options", metavar="KEY=VALUE", help="A run option (repeatable).")
        parser.add_argument("--action", default="run", choices=ACTIONS)
        parser.add_argument("--since", help="Only records changed since this date (YYYY-MM-DD).")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, change nothing.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print one JSON object.")

    def handle(self, *args, tenant, interface, files, options, action, since=None, dry_run=False, as_json=False, **rest):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise _usage(f"Unknown environment '{tenant}'")
        option_values = _parse_options(options)
        since_date = None
        if since:
            try:
                since_date = datetime.date.fromisoformat(since)
            except ValueError:
                raise _usage(f"Invalid date '{since}' for --since; use YYYY-MM-DD") from None
        for path in files:
            if not os.path.isfile(path):
                raise _usage(f"File not found: {path}")
        with scope.activate(tenant_obj):
            target = Interface.objects.filter(description__iexact=interface.strip()).first()
            if target is None:
                raise _usage(f"Unknown interface '{interface}' in environment '{tenant}'")
            with ExitStack() as stack:
                handles = []
                for path in files:
                    try:
                        handles.append((os.path.basename(path), stack.enter_context(open(path, "rb"))))
                    except OSError as error:
                        raise _usage(f"Cannot read {path}: {error.strerror}") from None
                try:
                    run = run_request(interface=target, action=action, trigger=RunTrigger.COMMAND, files=handles,
                                      options=option_values, dry_run=dry_run, since=since_date, enqueue=False)
                except RunRequestError as error:
                    raise _usage(str(error)) from None
            run = engine.execute(engine.run_for_pk(run.pk))
            run.refresh_from_db()
            report = self._report(run)
        if as_json:
            self.stdout.write(json.dumps(report))
        else:
            self._print_human(report)
        if run.status != RunStatus.SUCCEEDED:
            self.stdout.flush()
            sys.exit(1)

    def _report(self, run):
        messages = list(run.messages.filter(severity__in=[Severity.ERROR, Severity.WARNING]).order_by("seq"))
        return {
            "run": str(run.uuid),
            "interface": run.interface.description,
            "status": run.status,
            "message": run.message,
            "counts": run.counts,
            "errors": [m.as_dict() for m in messages if m.severity == Severity.ERROR],
            "warnings": [m.as_dict() for m in messages if m.severity == Severity.WARNING],
            # Produced files as paths in the environment's file area (import-formats §1.8).
            "files": [f"Imports/{run.uuid}/{f.original_name}" for f in run.files.order_by("id") if f.kind == ImportFileKind.PRODUCED],
        }

    def _print_human(self, report):
        self.stdout.write(f"{report['interface']}: {report['status']} (run {report['run'][:8]})")
        if report["message"]:
            self.stdout.write(report["message"])
        self.stdout.write("  ".join(f"{k} {v}" for k, v in report["counts"].items()))
        for label, items in (("Error", report["errors"]), ("Warning", report["warnings"])):
            for m in items:
                where = ", ".join(p for p in (f"row {m['row']}" if m["row"] is not None else "", m["column"]) if p)
                self.stdout.write(f"{label}{' (' + where + ')' if where else ''}: {m['message']}"
                                  + (f" [{m['value']}]" if m["value"] else ""))
        for path in report["files"]:
            self.stdout.write(f"Produced {path}")
