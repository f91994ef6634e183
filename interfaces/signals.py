"""Signals of the run engine, for apps that follow runs without the engine knowing them (the
scheduler counts its tasks' consecutive failures)."""

from django.dispatch import Signal

# Sent inside run_finish's transaction, once, when a run reaches a finished status; kwargs: run.
run_finished = Signal()

# Sent inside interface_create's transaction (New and Clone); kwargs: interface, actor. The
# scheduler deploys the provider's scheduled tasks of the interface's kind to it.
interface_created = Signal()
