"""Scheduler: scheduled tasks and the dispatch tick (models arrive with the Scheduler issue)."""
