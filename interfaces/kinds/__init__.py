"""The registry of interface kinds.

Adding a kind is one module under `interfaces/kinds/` and one `register(...)` line below.

`INTERFACES_EXTRA_KINDS` (comma-separated module paths) is a hook for the test suite only: each
module's `KINDS` list is registered when the app loads, so a separately started Celery worker
knows the kinds that tests define. Production deployments leave it unset.
"""

import importlib
import os

from .base import ACTIONS, Cancelled, DateFormat, DateTimeFormat, Kind, Option, OptionError, RunError  # noqa: F401

_registry = {}


def register(kind):
    """Register a Kind instance (or class) under its key; returns it."""
    if isinstance(kind, type):
        kind = kind()
    if not kind.key:
        raise ValueError(f"{kind!r} has no key")
    unknown = set(kind.actions) - set(ACTIONS)
    if unknown:
        raise ValueError(f"{kind.key}: unknown actions {sorted(unknown)}")
    _registry[kind.key] = kind
    return kind


def unregister(key):
    _registry.pop(key, None)


def get(key):
    """The registered kind with `key`, or None."""
    return _registry.get(key)


def all_kinds():
    return sorted(_registry.values(), key=lambda k: k.label or k.key)


def load_extra_kinds():
    """Register the KINDS of each module named in INTERFACES_EXTRA_KINDS (test hook)."""
    for path in filter(None, (p.strip() for p in os.environ.get("INTERFACES_EXTRA_KINDS", "").split(","))):
        module = importlib.import_module(path)
        for kind in getattr(module, "KINDS", ()):
            register(kind)


# Product kinds are registered here, one line each, as they arrive.

from .contact_import import ContactImport  # noqa: E402

register(ContactImport)

from .bank.barclays_net import BarclaysNet  # noqa: E402

register(BarclaysNet)

from .bank.ofx import OfxStatement  # noqa: E402

register(OfxStatement)

from .bank.camt053 import Camt053Statement  # noqa: E402

register(Camt053Statement)

from .bank.mt940 import Mt940Statement  # noqa: E402

register(Mt940Statement)
