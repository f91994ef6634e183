"""Changes to the Features catalog, Environment defaults and Mappings (Generic): each one in a
transaction with its Event log row (before and after)."""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from finance.audit.services import event_record
from finance.contacts.countries import COUNTRIES

from .destinations import DESTINATIONS
from .features import FEATURES, feature_label
from .models import Feature, Mapping, MappingType
from .selectors import normalise
from .signals import feature_disabled

CSV_COLUMNS = ("source_value", "destination_code")
MAX_IMPORT_BYTES = 2 * 1024 * 1024


# --- Features ---------------------------------------------------------------------------------------

@transaction.atomic
def feature_add(*, tenant, actor, key):
    if key not in FEATURES:
        raise ValidationError({"key": f"'{key}' is not a known feature."})
    if Feature._base_manager.filter(tenant=tenant, key=key).exists():
        raise ValidationError({"key": f"{feature_label(key)} is already in the catalog."})
    feature = Feature.objects.create(tenant=tenant, key=key, added_by=actor)
    event_record(tenant=tenant, user=actor, action="feature.added", obj=feature,
                 message=f"Feature {feature.label} added to the catalog (not yet enabled).",
                 before=None, after={"key": key, "enabled": False})
    return feature


def feature_turned_off(*, tenant, actor, key, reason):
    """What follows a feature going off: the `feature_disabled` signal, so that the Scheduler
    pauses the scheduled tasks of the feature's kinds with `reason` (same transaction)."""
    feature_disabled.send(sender=Feature, tenant=tenant, feature=key, reason=reason, user=actor)


@transaction.atomic
def feature_remove(*, tenant, actor, feature):
    before = {"key": feature.key, "enabled": feature.enabled}
    event_record(tenant=tenant, user=actor, action="feature.removed", obj=feature,
                 message=f"Feature {feature.label} removed from the catalog.", before=before, after=None)
    was_enabled = feature.enabled
    feature.delete()
    if was_enabled:
        feature_turned_off(tenant=tenant, actor=actor, key=feature.key,
                           reason=f"{feature.label} was removed from the Features catalog.")


@transaction.atomic
def feature_set_enabled(*, tenant, actor, feature, enabled, reason=""):
    """Switch a catalogued feature on or off; switching off needs a reason, which is logged."""
    reason = (reason or "").strip()
    if not enabled and feature.enabled and not reason:
        raise ValidationError({"reason": "Give the reason for turning this feature off."})
    if feature.enabled == enabled:
        return feature
    before = {"enabled": feature.enabled}
    feature.enabled = enabled
    feature.changed_by = actor
    feature.changed_at = timezone.now()
    feature.save(update_fields=["enabled", "changed_by", "changed_at"])
    after = {"enabled": enabled}
    if reason:
        after["reason"] = reason
    event_record(tenant=tenant, user=actor, action="feature.enabled" if enabled else "feature.disabled", obj=feature,
                 message=f"Feature {feature.label} turned {'on' if enabled else 'off'}" + (f": {reason}" if reason else "."),
                 before=before, after=after)
    if not enabled:
        feature_turned_off(tenant=tenant, actor=actor, key=feature.key, reason=reason)
    return feature


# --- Mapping types ----------------------------------------------------------------------------------

# source system, key, name, destination, description
CIN7_TYPES = (
    ("Cin7", "payment_terms", "Payment Terms", "payment_term", "Cin7 payment term name -> our payment term."),
    ("Cin7", "product_category", "Product Category", "product_group",
     "Cin7 product category -> our product group; ADDITIONAL CHARGE gives the group of additional-charge lines."),
    ("Cin7", "tax_rule", "Tax Rule", "tax_band", "Cin7 tax rule name -> our tax band."),
    ("Cin7", "auto_tax_band_tax_rules", "Auto Tax Band Tax Rules", "none",
     "Cin7 rules that map to no one band: tax not zero gives Standard, zero gives Zero-rated."),
    ("Cin7", "tax_authority", "Tax Authority", "tax_authority", "Cin7 country of tax -> our tax authority."),
    ("Cin7", "country", "Country", "country", "Cin7 country name in addresses -> ISO 3166 code."),
    ("Cin7", "unit_of_measure", "Unit of Measure", "unit_of_measure", "Cin7 UOM name -> our unit of measure."),
)

PREFILL = {
    ("Cin7", "tax_authority"): lambda: [("United Kingdom", "HMRC")],
    ("Cin7", "country"): lambda: sorted((name, code) for code, name in COUNTRIES.items()),
}


@transaction.atomic
def mapping_types_ensure(tenant):
    """Create the known mapping types of `tenant` that are missing, prefilled where the source
    system's values are known (Tax Authority, Country). Idempotent. Returns the number created."""
    created = 0
    for system, key, name, destination, description in CIN7_TYPES:
        mapping_type, new = MappingType._base_manager.get_or_create(
            tenant=tenant, source_system=system, key=key,
            defaults={"name": name, "destination": destination, "description": description},
        )
        if not new:
            continue
        created += 1
        prefill = PREFILL.get((system, key))
        if prefill is None:
            continue
        codes = DESTINATIONS[destination].codes(tenant)
        Mapping._base_manager.bulk_create([
            Mapping(tenant=tenant, type=mapping_type, source_value=source, destination_code=codes[code.lower()])
            for source, code in prefill() if code.lower() in codes
        ])
    return created


# --- Mappings ---------------------------------------------------------------------------------------

def mapping_clean(tenant, mapping_type, source_value, destination_code, *, exclude=None, codes=None, seen=None):
    """(source, destination) cleaned, or a dict of field -> message."""
    errors = {}
    source = " ".join(str(source_value or "").split())
    destination = str(destination_code or "").strip()
    if not source:
        errors["source_value"] = "Enter the source value."
    elif len(source) > 200:
        errors["source_value"] = "The source value is longer than 200 characters."
    else:
        clash = Mapping._base_manager.filter(tenant=tenant, type=mapping_type, source_value__iexact=source)
        if exclude is not None:
            clash = clash.exclude(pk=exclude.pk)
        if seen is not None and normalise(source) in seen:
            errors["source_value"] = f"'{source}' appears more than once."
        elif seen is None and clash.exists():
            errors["source_value"] = f"'{source}' is already mapped in {mapping_type.name}."
    if mapping_type.has_destination:
        if codes is None:
            codes = DESTINATIONS[mapping_type.destination].codes(tenant)
        if not destination:
            errors["destination_code"] = "Enter the destination code."
        elif destination.lower() not in codes:
            errors["destination_code"] = (f"'{destination}' is not a {mapping_type.destination_label.lower()} "
                                          "code in this environment.")
        else:
            destination = codes[destination.lower()]
    elif destination:
        errors["destination_code"] = f"{mapping_type.name} rows have no destination code; leave it empty."
    return source, destination, errors


def _row(mapping):
    return {"source_value": mapping.source_value, "destination_code": mapping.destination_code}


@transaction.atomic
def mapping_save(*, tenant, actor, mapping_type, source_value, destination_code, mapping=None):
    """Add a row (mapping None) or change one. Raises ValidationError naming the field."""
    source, destination, errors = mapping_clean(tenant, mapping_type, source_value, destination_code, exclude=mapping)
    if errors:
        raise ValidationError(errors)
    before = _row(mapping) if mapping is not None else None
    if mapping is None:
        mapping = Mapping(tenant=tenant, type=mapping_type)
    mapping.source_value = source
    mapping.destination_code = destination
    mapping.save()
    after = _row(mapping)
    if before != after:
        event_record(tenant=tenant, user=actor, action="mapping.changed" if before else "mapping.added", obj=mapping,
                     message=f"{mapping_type}: {source} -> {destination or '(no destination)'}", before=before, after=after)
    return mapping


@transaction.atomic
def mapping_delete(*, tenant, actor, mapping):
    event_record(tenant=tenant, user=actor, action="mapping.deleted", obj=mapping,
                 message=f"{mapping.type}: {mapping.source_value} removed", before=_row(mapping), after=None)
    mapping.delete()


def mapping_export(mapping_type):
    """The rows of `mapping_type` as CSV text (columns source_value, destination_code)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for source, destination in mapping_type.mappings.order_by("source_value").values_list("source_value", "destination_code"):
        writer.writerow([source, destination])
    return out.getvalue()


class ImportErrors(Exception):
    """The file was refused; `messages` are one line each (row and column named)."""

    def __init__(self, messages):
        super().__init__("; ".join(messages))
        self.messages = messages


@transaction.atomic
def mapping_import(*, tenant, actor, mapping_type, content):
    """Add or update rows from CSV bytes. Every row is checked first: on any error nothing is
    written and ImportErrors lists them. Returns (added, changed)."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportErrors(["The file is larger than 2 MB."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportErrors(["The file is not UTF-8 text."]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ImportErrors(["The file is empty; its first line must be: source_value,destination_code."])
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ImportErrors([f"Row 1: the column {', '.join(missing)} is missing; the header must be "
                            "source_value,destination_code."])
    index = {c: header.index(c) for c in CSV_COLUMNS}
    codes = DESTINATIONS[mapping_type.destination].codes(tenant) if mapping_type.has_destination else {}
    existing = {normalise(m.source_value): m for m in Mapping._base_manager.filter(tenant=tenant, type=mapping_type)}
    seen, cleaned, errors = set(), [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {c: row[i] if i < len(row) else "" for c, i in index.items()}
        source, destination, row_errors = mapping_clean(tenant, mapping_type, values["source_value"], values["destination_code"],
                                                 codes=codes, seen=seen)
        for column, message in row_errors.items():
            errors.append(f"Row {number}, column {column}: {message}")
        seen.add(normalise(source))
        cleaned.append((source, destination))
    if errors:
        raise ImportErrors(errors)
    added = changed = 0
    for source, destination in cleaned:
        mapping = existing.get(normalise(source))
        if mapping is None:
            Mapping.objects.create(tenant=tenant, type=mapping_type, source_value=source, destination_code=destination)
            added += 1
        elif mapping.destination_code != destination or mapping.source_value != source:
            mapping.source_value, mapping.destination_code = source, destination
            mapping.save()
            changed += 1
    event_record(tenant=tenant, user=actor, action="mapping.imported", obj=mapping_type,
                 message=f"{mapping_type}: {added} row(s) added, {changed} changed from a CSV file.",
                 before=None, after={"added": added, "changed": changed, "rows": len(cleaned)})
    return added, changed
