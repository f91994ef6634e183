"""Where a mapping's destination code must exist: one entry per kind of destination.

Each entry answers, for a tenant, whether a code exists (case-insensitive) and the canonical
spelling of it (`codes`), and the list a person chooses from (`choices`: code and name, of that
tenant only); `none` is for types whose rows carry no destination (Auto Tax Band Tax Rules).
"""

from dataclasses import dataclass
from typing import Callable

from finance.contacts.countries import COUNTRIES


@dataclass(frozen=True)
class Destination:
    key: str
    label: str
    codes: Callable  # tenant -> {lower-case code: code}
    choices: Callable  # tenant -> [(code, "code - name")], sorted by code


def _model(model_path):
    from django.apps import apps

    return apps.get_model(model_path)


def _model_codes(model_path):
    def codes(tenant):
        return {c.lower(): c for c in _model(model_path)._base_manager.filter(tenant=tenant).values_list("code", flat=True)}

    return codes


def _model_choices(model_path):
    def choices(tenant):
        rows = _model(model_path)._base_manager.filter(tenant=tenant).order_by("code").values_list("code", "name")
        return [(code, f"{code} - {name}") for code, name in rows]

    return choices


def _coded(key, label, model_path):
    return Destination(key, label, _model_codes(model_path), _model_choices(model_path))


DESTINATIONS = {
    d.key: d
    for d in (
        _coded("payment_term", "Payment term", "ledger.PaymentTerm"),
        _coded("tax_band", "Tax band", "ledger.TaxBand"),
        _coded("tax_authority", "Tax authority", "ledger.TaxAuthority"),
        _coded("currency", "Currency", "ledger.Currency"),
        _coded("product_group", "Product group", "products.ProductGroup"),
        _coded("unit_of_measure", "Unit of measure", "products.UnitOfMeasure"),
        _coded("contact_group", "Contact group", "contacts.ContactGroup"),
        Destination("country", "Country (ISO 3166)", lambda tenant: {c.lower(): c for c in COUNTRIES},
                    lambda tenant: [(c, f"{c} - {name}") for c, name in sorted(COUNTRIES.items())]),
        Destination("none", "No destination", lambda tenant: {}, lambda tenant: []),
    )
}

DESTINATION_CHOICES = [(d.key, d.label) for d in DESTINATIONS.values()]
