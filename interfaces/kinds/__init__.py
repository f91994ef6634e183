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

from .bank.barclays_net import BarclaysNet  # noqa: E402
from .bank.camt053 import Camt053Statement as Camt053  # noqa: E402
from .bank.coop_csv import CoopCsv  # noqa: E402
from .bank.coop_text import CoopText  # noqa: E402
from .bank.custom_csv import CustomCsv  # noqa: E402
from .bank.mt940 import Mt940Statement as Mt940  # noqa: E402
from .bank.ofx import OfxStatement as Ofx  # noqa: E402
from .contact_import import ContactImport  # noqa: E402
from .document_import import DocumentImport  # noqa: E402
from .notes_import import NotesImport  # noqa: E402

for _kind in (ContactImport, DocumentImport, NotesImport, BarclaysNet, CoopText, CoopCsv, CustomCsv, Ofx, Camt053, Mt940):
    register(_kind)
