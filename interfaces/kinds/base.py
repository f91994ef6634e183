"""The protocol every interface kind follows.

A kind is a class with a `key` (stored in `Interface.kind`), a `label`, the `actions` it offers,
whether it takes files, the `options` a run may set (`--option KEY=VALUE` on the command line)
and `execute(ctx)`, which does the work through the `RunContext` the engine hands it
(`interfaces.engine`). A kind raises `RunError` for a failure it understands; `retryable=True`
says that trying again later may succeed (a timeout, a busy remote system).
"""

import datetime
from decimal import Decimal, InvalidOperation

ACTIONS = ("run", "synchronise", "match", "test-connection", "retry-failed")

_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off"}


class RunError(Exception):
    """A failure the kind understands. `retryable` says whether trying again later may help."""

    def __init__(self, message, retryable=False):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


class Cancelled(Exception):
    """Raised by `RunContext.heartbeat()` when someone asked to cancel the run."""


class OptionError(ValueError):
    """An unknown option or a value its type refuses: a usage error, reported in one line."""


def _parse(kind_type, value):
    """`value` as `kind_type`; strings are parsed strictly, typed values are checked."""
    if kind_type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(value)
    if kind_type is int:
        if isinstance(value, bool):
            raise ValueError(value)
        if isinstance(value, int):
            return value
        return int(str(value).strip(), 10)
    if kind_type is Decimal:
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(value) from None
    if kind_type is datetime.date:
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value).strip())
    if kind_type is str:
        return str(value)
    raise TypeError(f"Unsupported option type {kind_type!r}")


class Kind:
    """Base class of interface kinds. Subclasses set the attributes and implement `execute`."""

    key = ""
    label = ""
    actions = ("run",)
    accepts_files = False
    files_required = False
    # option name -> (type, default); type is one of bool, int, str, Decimal, datetime.date.
    options = {}
    config_form = None

    def clean_options(self, given):
        """The options of a run: `given` (name -> value or string) checked and with defaults.

        Raises OptionError naming the first unknown option or invalid value.
        """
        given = dict(given or {})
        cleaned = {}
        for name in given:
            if name not in self.options:
                raise OptionError(f"Unknown option '{name}' for {self.label}")
        for name, (kind_type, default) in self.options.items():
            if name not in given:
                cleaned[name] = default
                continue
            try:
                cleaned[name] = _parse(kind_type, given[name])
            except (TypeError, ValueError):
                raise OptionError(f"Invalid value '{given[name]}' for option {name}") from None
        return cleaned

    def execute(self, ctx):
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")

    def __repr__(self):
        return f"<Kind {self.key}>"
