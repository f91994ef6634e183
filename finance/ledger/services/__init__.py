"""Ledger services: every change to the ledger goes through one of these functions, in one
transaction with its Event log row. Import them from here."""

from ..selectors import due_date_for, rate_for
from .calendar import financial_year_create, period_set_status, period_statuses_ensure, year_group_create
from .documents import document_create, document_submit, document_update_draft, document_void
from .numbering import document_type_create, number_series_create, series_next
from .posting import PostingImbalanceError, document_post, document_reverse, document_unpost
from .reference import (
    currency_create,
    dimension_create,
    exchange_rate_create,
    legal_entity_create,
    nominal_account_create,
    payment_method_create,
    payment_term_create,
    tax_authority_create,
    tax_band_create,
)

__all__ = [
    "PostingImbalanceError",
    "currency_create",
    "dimension_create",
    "document_create",
    "document_post",
    "document_reverse",
    "document_submit",
    "document_type_create",
    "document_unpost",
    "document_update_draft",
    "document_void",
    "due_date_for",
    "exchange_rate_create",
    "financial_year_create",
    "legal_entity_create",
    "nominal_account_create",
    "number_series_create",
    "payment_method_create",
    "payment_term_create",
    "period_set_status",
    "period_statuses_ensure",
    "rate_for",
    "series_next",
    "tax_authority_create",
    "tax_band_create",
    "year_group_create",
]
