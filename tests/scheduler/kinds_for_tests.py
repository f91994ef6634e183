"""Interface kinds for the Scheduler's tests: a sync that succeeds, one that fails, and one with
a minimum interval between scheduled runs behind a feature (like Cin7 Core's hourly cap)."""

from interfaces.kinds import Kind, RunError


class Sync(Kind):
    key = "test_sync"
    label = "Test sync"
    actions = ("synchronise", "run")

    def execute(self, ctx):
        ctx.count("rows")
        ctx.count("unchanged")


class Failing(Kind):
    key = "test_sync_failing"
    label = "Test failing sync"
    actions = ("synchronise",)

    def execute(self, ctx):
        raise RunError("The remote system refused the credentials.")


class Capped(Kind):
    key = "test_sync_capped"
    label = "Test capped sync"
    actions = ("synchronise",)
    feature = "cin7"
    schedule_min_interval_seconds = 3600

    def execute(self, ctx):
        ctx.count("unchanged")


KINDS = [Sync, Failing, Capped]
