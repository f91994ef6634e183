"""The demo environments' interfaces (demo-data §17 and §19): created by description with their
batch series and default configuration, never changed once they exist."""

from finance.ledger.models import NumberSeries

from .models import Interface
from .services import interface_create

CSV = {"encoding": "auto", "delimiter": ",", "partial": False}

# description, kind, batch series, date format, date and time format, configuration
DEMO_INTERFACES = (
    ("Contact import", "contact_import", "IMPORT", None, None, CSV),
    ("Document import", "document_import", "IMPORT", "dd/MM/yyyy", None, {**CSV, "legal_entity": "KLT", "full_import": False}),
    ("Notes import", "notes_import", "IMPORT", "dd/MM/yyyy", "dd/MM/yyyy HH:mm", CSV),
    ("Co-op Bank statement text file", "coop_text", "BANK", "yyMMdd", None, {"header_lines": 4, "encoding": "auto", "partial": False}),
    ("Co-op Bank statement CSV", "coop_csv", "BANK", "dd/MM/yyyy", None, CSV),
    ("Barclays.Net statement file", "barclays_net", "BANK", "dd/MM/yy", None,
     {**CSV, "include_intraday": False, "include_uncleared": False}),
    ("Bank statement CSV (custom)", "custom_csv", "BANK", "dd/MM/yyyy", None, {
        "layout": "mapped", "bank_account": "DEMO-KHA-SAV", "delimiter": ",", "header_skip_lines": 1,
        "footer_skip_lines": 0, "amount_mode": "indicator", "credit_value": "CR", "debit_value": "DR",
        "invert_sign": False, "partial": False, "map.date": "Transaction Date", "map.description": "Narrative",
        "map.reference": "Reference", "map.amount": "Amount", "map.indicator": "Dr/Cr", "map.balance": "Balance",
    }),
    ("OFX statement file", "ofx", "BANK", None, None, {"partial": False}),
    ("CAMT.053 statement file", "camt053", "BANK", None, None, {"partial": False}),
    ("MT940 statement file", "mt940", "BANK", None, None, {"encoding": "auto", "partial": False}),
    ("Exchequer import files", "exchequer", "IMPORT", None, None, {
        "legal_entity": "KLT", "destination": "archive", "currency_map": "1:GBP,2:EUR,3:USD", "debtors_control": "1100",
        "creditors_control": "2100", "input_tax": "2201", "output_tax": "2200", "partial": False,
    }),
    ("IMP Planner", "imp_planner", "RUN", None, None, {}),
    ("Cin7", "cin7", "RUN", None, None, {}),
)
HARRIER_INTERFACES = tuple(i for i in DEMO_INTERFACES if i[0] in ("Contact import", "Barclays.Net statement file"))


def seed_interfaces(*, tenant, interfaces=DEMO_INTERFACES):
    created = 0
    for description, kind, batch, date_format, datetime_format, config in interfaces:
        if Interface.objects.filter(tenant=tenant, description=description).exists():
            continue
        series = NumberSeries.objects.filter(tenant=tenant, code=batch, kind=NumberSeries.Kind.BATCH).first()
        interface_create(tenant=tenant, actor=None, description=description, kind=kind, batch_series=series,
                         date_format=date_format, datetime_format=datetime_format, config=config)
        created += 1
    return created
