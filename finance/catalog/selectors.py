"""The one place the rest of the app asks the catalog: is a kind's feature on, and what does a
mapping type map a source value to.

`feature_enabled` is used by the New interface form (which types it offers) and by the run engine
(`interfaces.services.run_request`); the scheduler will call it again when it dispatches a task,
so a feature switched off after a task was scheduled stops that task too.
"""

from .features import feature_label
from .models import Feature, Mapping


def _feature_key(kind):
    if kind is None:
        return ""
    if isinstance(kind, str):
        from interfaces import kinds

        kind = kinds.get(kind)
    return getattr(kind, "feature", "") or ""


def feature_enabled(tenant, kind):
    """Whether `kind` (a Kind or its key) may be created and run in `tenant`: kinds without a
    feature always may; the others need their feature in the catalog and enabled."""
    key = _feature_key(kind)
    if not key:
        return True
    return Feature._base_manager.filter(tenant=tenant, key=key, enabled=True).exists()


def feature_refusal(kind):
    """The one-line message for a kind whose feature is off."""
    return (f"{feature_label(_feature_key(kind))} is not enabled in this environment: an administrator can turn it on "
            "in Environment defaults -> Features.")


def enabled_feature_keys(tenant):
    return set(Feature._base_manager.filter(tenant=tenant, enabled=True).values_list("key", flat=True))


def kinds_available(tenant, all_kinds):
    """The kinds of `all_kinds` whose feature is enabled in `tenant` (one query)."""
    enabled = enabled_feature_keys(tenant)
    return [k for k in all_kinds if not getattr(k, "feature", "") or k.feature in enabled]


def normalise(value):
    """How source values compare: trimmed and case-folded."""
    return " ".join(str(value).split()).casefold()


def mapping_lookup(tenant, system, type_key):
    """{source value: destination code} of the mapping type `type_key` of `system` in `tenant`.

    Keys are normalised (`normalise`): look a value up with `mapping[normalise(value)]`. An unknown
    type gives an empty dict.
    """
    rows = Mapping._base_manager.filter(
        tenant=tenant, type__source_system__iexact=system, type__key=type_key
    ).values_list("source_value", "destination_code")
    return {normalise(source): destination for source, destination in rows}
