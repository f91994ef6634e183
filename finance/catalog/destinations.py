"""Where a mapping's destination code must exist: one entry per kind of destination.

Each entry answers, for a tenant, whether a code exists (case-insensitive) and the canonical
spelling of it; `none` is for types whose rows carry no destination (Auto Tax Band Tax Rules).
"""

from dataclasses import dataclass
from typing import Callable

from finance.contacts.countries import COUNTRIES


@dataclass(frozen=True)
class Destination:
    key: str
    label: str
    codes: Callable  # tenant -> {lower-case code: code}


def _model_codes(model_path):
    def codes(tenant):
        from django.apps import apps

        model = apps.get_model(model_path)
        return {c.lower(): c for c in model._base_manager.filter(tenant=tenant).values_list("code", flat=True)}

    return codes


DESTINATIONS = {
    d.key: d
    for d in (
        Destination("payment_term", "Payment term", _model_codes("ledger.PaymentTerm")),
        Destination("tax_band", "Tax band", _model_codes("ledger.TaxBand")),
        Destination("tax_authority", "Tax authority", _model_codes("ledger.TaxAuthority")),
        Destination("currency", "Currency", _model_codes("ledger.Currency")),
        Destination("product_group", "Product group", _model_codes("products.ProductGroup")),
        Destination("unit_of_measure", "Unit of measure", _model_codes("products.UnitOfMeasure")),
        Destination("contact_group", "Contact group", _model_codes("contacts.ContactGroup")),
        Destination("country", "Country (ISO 3166)", lambda tenant: {c.lower(): c for c in COUNTRIES}),
        Destination("none", "No destination", lambda tenant: {}),
    )
}

DESTINATION_CHOICES = [(d.key, d.label) for d in DESTINATIONS.values()]
