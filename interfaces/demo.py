"""The demo environments' interfaces (demo-data §17 and §19): created by description, never changed."""

from finance.ledger.models import NumberSeries

from . import kinds
from .models import Interface
from .services import interface_create

DEMO_INTERFACES = (
    ("Contact import", "contact_import"),
    ("Document import", "document_import"),
    ("Notes import", "notes_import"),
    ("Co-op Bank statement text file", "coop_text"),
    ("Co-op Bank statement CSV", "coop_csv"),
    ("Barclays.Net statement file", "barclays_net"),
    ("Bank statement CSV (custom)", "custom_csv"),
    ("OFX statement file", "ofx"),
    ("CAMT.053 statement file", "camt053"),
    ("MT940 statement file", "mt940"),
    ("Exchequer import files", "exchequer"),
    ("IMP Planner", "imp_planner"),
    ("Cin7", "cin7"),
)
HARRIER_INTERFACES = (("Contact import", "contact_import"), ("Barclays.Net statement file", "barclays_net"))
# Batch series and configuration of demo-data §17, where an interface has them.
DEMO_BATCH_SERIES = {
    "Contact import": "IMPORT", "Document import": "IMPORT", "Notes import": "IMPORT", "Exchequer import files": "IMPORT",
    "Co-op Bank statement text file": "BANK", "Co-op Bank statement CSV": "BANK", "Barclays.Net statement file": "BANK",
    "Bank statement CSV (custom)": "BANK", "OFX statement file": "BANK", "CAMT.053 statement file": "BANK",
    "MT940 statement file": "BANK", "IMP Planner": "RUN", "Cin7": "RUN",
}
DEMO_CONFIG = {"Document import": {"legal_entity": "KLT"}}


def seed_interfaces(*, tenant, interfaces=DEMO_INTERFACES):
    created = 0
    series = {s.code: s for s in NumberSeries.objects.filter(tenant=tenant, kind=NumberSeries.Kind.BATCH)}
    for description, kind in interfaces:
        if not Interface.objects.filter(tenant=tenant, description=description).exists():
            config = DEMO_CONFIG.get(description, {}) if kinds.get(kind) is not None else {}
            interface_create(tenant=tenant, actor=None, description=description, kind=kind,
                             batch_series=series.get(DEMO_BATCH_SERIES.get(description)), config=config)
            created += 1
    return created
