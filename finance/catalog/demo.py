"""The catalog of the demo environments: the Cin7 mapping types everywhere; in `demo`, the
features IMP Planner and Integration Cin7 Core on, and the Cin7 mapping rows of cin7.md §14."""

from django.utils import timezone

from .models import Feature, Mapping, MappingType
from .services import mapping_clean, mapping_types_ensure

DEMO_FEATURES = ("imp_planner", "cin7")

DEMO_ROWS = {
    "payment_terms": [("30 days", "30D"), ("14 days", "14D"), ("Due on receipt", "IMM"), ("End of next month", "EOM30")],
    "product_category": [("School Uniform", "UNIFORM"), ("Adultwear & PE", "ADULTWEAR"), ("Books", "BOOKS"),
                         ("Stationery", "STATIONERY"), ("ADDITIONAL CHARGE", "CHARGES")],
    "tax_rule": [("20% (VAT on Income)", "STANDARD"), ("Zero Rated Income", "ZERO"), ("Exempt Income", "EXEMPT"),
                 ("20% (VAT on Expenses)", "STANDARD"), ("Zero Rated Expenses", "ZERO"), ("No VAT", "OUTSIDE")],
    "auto_tax_band_tax_rules": [("Auto Sales", ""), ("Auto Purchases", "")],
    "unit_of_measure": [("Item", "EACH"), ("Pack", "PACK"), ("Box", "BOX")],
}


def seed_catalog(*, tenant, demo):
    created = mapping_types_ensure(tenant)
    if not demo:
        return created
    for key in DEMO_FEATURES:
        _, new = Feature.objects.get_or_create(tenant=tenant, key=key,
                                               defaults={"enabled": True, "changed_at": timezone.now()})
        created += new
    for mapping_type in MappingType.objects.filter(tenant=tenant, source_system="Cin7", key__in=DEMO_ROWS):
        if mapping_type.mappings.exists():
            continue
        for source, destination in DEMO_ROWS[mapping_type.key]:
            source, destination, errors = mapping_clean(tenant, mapping_type, source, destination)
            if not errors:  # a code the demo ledger lacks is left for the user to map
                Mapping.objects.create(tenant=tenant, type=mapping_type, source_value=source, destination_code=destination)
                created += 1
    return created
