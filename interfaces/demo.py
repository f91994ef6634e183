"""The demo environments' interfaces (demo-data §17 and §19): created by description, never changed."""

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


def seed_interfaces(*, tenant, interfaces=DEMO_INTERFACES):
    created = 0
    for description, kind in interfaces:
        if not Interface.objects.filter(tenant=tenant, description=description).exists():
            interface_create(tenant=tenant, actor=None, description=description, kind=kind)
            created += 1
    return created
