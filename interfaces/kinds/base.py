"""The protocol every interface kind follows.

A kind is a class with a `key` (stored in `Interface.kind`), a `label`, the `actions` it offers,
whether it takes files, its `options` and `execute(ctx)`, which does the work through the
`RunContext` the engine hands it (`interfaces.engine`). A kind raises `RunError` for a failure it
understands; `retryable=True` says that trying again later may succeed (a timeout, a busy remote
system).

Options are the kind's settings. Each has a type and a default (`Option`); an interface's
*Configuration* tab stores its own values (`Interface.config`), and one run may override them
(`--option KEY=VALUE`, the Run page's advanced section). The configuration form is generated from
the options unless the kind names its own `config_form`. Options called `date_format` and
`datetime_format` take their value from the interface's *Defaults* tab instead.
"""

import datetime
from decimal import Decimal, InvalidOperation

ACTIONS = ("run", "synchronise", "match", "test-connection", "retry-failed")
ACTION_LABELS = {"run": "Run", "synchronise": "Synchronise", "match": "Match", "test-connection": "Test connection",
                 "retry-failed": "Retry failed items"}

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


class DateFormat(str):
    """Option type: a .NET-style date format (dd/MM/yyyy); must contain a month token."""


class DateTimeFormat(str):
    """Option type: a .NET-style date and time format (dd/MM/yyyy HH:mm)."""


DEFAULTS_OPTIONS = ("date_format", "datetime_format")  # set on the Defaults tab, not in config


class Option:
    """One setting of a kind: its type, default, label, help text and, optionally, its choices."""

    def __init__(self, type, default, label="", help="", choices=None):  # noqa: A002 - mirrors argparse
        self.type = type
        self.default = default
        self.label = label
        self.help = help
        self.choices = tuple(choices) if choices else None

    def parse(self, value):
        parsed = _parse(self.type, value)
        if self.choices is not None and parsed not in [c[0] if isinstance(c, tuple) else c for c in self.choices]:
            raise ValueError(value)
        return parsed

    def __repr__(self):
        return f"Option({self.type.__name__}, {self.default!r})"


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
    if kind_type in (DateFormat, DateTimeFormat):
        from finance.dataformats.dates import FormatError, tokenize

        text = str(value).strip()
        try:
            tokenize(text)
        except FormatError:
            raise ValueError(value) from None
        return text
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
    max_files = 0  # 0: any number
    # True: the kind reports empty and binary files itself, as run errors; otherwise the Imports
    # folder refuses them before a run is created.
    checks_files = False
    # The file format whose template and data dictionary describe this kind's files, if any.
    file_format = ""
    # The Features catalog key this kind needs (finance.catalog.features), e.g. "cin7": such a kind
    # is offered on New and may run only while the feature is catalogued and enabled in the
    # environment. "" (the file imports): always available.
    feature = ""
    # The Vault entry types (vault.models.EntryType values) this kind's connector may read through
    # `ctx.secret(name)`; an entry of another type is refused. Empty: the kind reads no secrets.
    vault_types = ()
    # option name -> Option (or a (type, default) pair); types: bool, int, str, Decimal,
    # datetime.date, DateFormat, DateTimeFormat.
    options = {}
    # A Django form class for the Configuration tab; None generates one from `options`.
    config_form = None
    # A section of the kind's own on the Configuration tab (a mapping grid, say), or None: a class
    # built with (interface=, kind=, data=, files=) that `owns(name)` some options (left out of the
    # generated fields), may `act(action, form)` on its own buttons, and gives `is_valid()` and
    # `config()` (its options' values) when the tab is saved; `template` renders it. See
    # `kinds/bank/mapping.py`.
    settings_section = None

    def option_specs(self):
        """The options as Option objects, in declaration order."""
        return {name: spec if isinstance(spec, Option) else Option(*spec) for name, spec in self.options.items()}

    def defaults(self, interface=None):
        """Every option's value before a run overrides it: the kind's defaults, then the
        interface's Defaults tab (date formats) and Configuration (`interface.config`)."""
        specs = self.option_specs()
        values = {name: spec.default for name, spec in specs.items()}
        if interface is not None:
            for name in DEFAULTS_OPTIONS:
                if name in specs and getattr(interface, name, ""):
                    values[name] = getattr(interface, name)
            for name, value in (interface.config or {}).items():
                if name in specs and name not in DEFAULTS_OPTIONS:
                    try:
                        values[name] = specs[name].parse(value)
                    except (TypeError, ValueError):
                        pass  # a value the kind no longer accepts: its default holds
        return values

    def clean_options(self, given, interface=None):
        """The options of a run: `given` (name -> value or string) checked, over `defaults()`.

        Raises OptionError naming the first unknown option or invalid value.
        """
        given = dict(given or {})
        specs = self.option_specs()
        for name in given:
            if name not in specs:
                raise OptionError(f"Unknown option '{name}' for {self.label}")
        cleaned = self.defaults(interface)
        for name, value in given.items():
            try:
                cleaned[name] = specs[name].parse(value)
            except (TypeError, ValueError):
                raise OptionError(f"Invalid value '{value}' for option {name}") from None
        return cleaned

    def execute(self, ctx):
        raise NotImplementedError(f"{type(self).__name__} does not implement execute()")

    def __repr__(self):
        return f"<Kind {self.key}>"
