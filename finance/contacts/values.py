"""The fields a contact account is written with, and how given values become stored values.

The field names are the Contact import's columns with the dot replaced by an underscore
(`address.postcode` -> `address_postcode`), plus `contact_name` and `is_active`, which the
file does not carry. `resolve()` turns given values into the complete, normalised target state
of a contact, applying the defaults of import-formats.md §3.1; it reads reference data but
writes nothing. Error messages are the catalogue's, keyed by field name.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import NON_FIELD_ERRORS

from finance.ledger.models import Currency, Dimension, DimensionKind, PaymentMethod, PaymentTerm, TaxAuthority

from . import validators
from .models import ContactClassification, ContactGroup, ContactType, ResourceGroup

FLAGS = ("is_customer", "is_supplier", "is_resource", "is_staff", "is_lead")

# Text fields of the account, the address, the contact person and the bank record: max length.
TEXT = {
    "account_description": 250,
    "company_name": 150,
    "first_name": 150,
    "last_name": 150,
    "contact_description": 100,
    "job_title": 50,
    "legacy_ref": 50,
    "company_no": 50,
    "tax_no": 50,
    "address_address": 250,
    "address_town": 100,
    "address_county": 100,
    "address_postcode": 20,
    "contact_name": 250,
    "contact_email": 254,
    "contact_phone": 30,
    "contact_mobile": 30,
    "bank_account_name": 100,
    "bank_sort_code": 8,
    "bank_account_no": 8,
    "bank_iban": None,  # spaces may pad it; the IBAN rule's country lengths bound it (at most 34)
    "bank_bic": 11,
}

# Reference fields: (model, the "Thing" of error E07, dimension kind or None).
REFERENCES = {
    "contact_classification": (ContactClassification, "Contact classification", None),
    "contact_group": (ContactGroup, "Contact group", None),
    "resource_group": (ResourceGroup, "Resource group", None),
    "tax_authority": (TaxAuthority, "Tax authority", None),
    "customer_project": (Dimension, "Project", DimensionKind.PROJECT),
    "customer_cost_centre": (Dimension, "Cost centre", DimensionKind.COST_CENTRE),
    "customer_department": (Dimension, "Department", DimensionKind.DEPARTMENT),
    "resource_project": (Dimension, "Project", DimensionKind.PROJECT),
    "resource_cost_centre": (Dimension, "Cost centre", DimensionKind.COST_CENTRE),
    "resource_department": (Dimension, "Department", DimensionKind.DEPARTMENT),
    "pay_term": (PaymentTerm, "Payment term", None),
    "pay_method": (PaymentMethod, "Payment method", None),
    "currency": (Currency, "Currency", None),
}

OTHER = ("code", "contact_type", "country_code", "credit_limit", "address_country_code", "address_accept_delivery_flag", "is_active")

FIELDS = frozenset(FLAGS) | frozenset(TEXT) | frozenset(REFERENCES) | frozenset(OTHER)

# Fields named in messages by a dotted import column (the rest are named as they are).
DOTTED = {
    "customer_project", "customer_cost_centre", "customer_department",
    "resource_project", "resource_cost_centre", "resource_department",
    "address_address", "address_town", "address_county", "address_postcode", "address_country_code",
    "address_accept_delivery_flag", "contact_name", "contact_email", "contact_phone", "contact_mobile",
    "bank_account_name", "bank_sort_code", "bank_account_no", "bank_iban", "bank_bic",
}


def column(field):
    """The import column of a field: `address_postcode` -> `address.postcode`."""
    return field.replace("_", ".", 1) if field in DOTTED else field


ADDRESS_FIELDS = {
    "address_address": "address",
    "address_town": "town",
    "address_county": "county",
    "address_postcode": "postcode",
    "address_country_code": "country_code",
    "address_accept_delivery_flag": "accept_delivery",
}
PERSON_FIELDS = {"contact_name": "name", "contact_email": "email", "contact_phone": "phone", "contact_mobile": "mobile"}
BANK_FIELDS = {
    "bank_account_name": "account_name",
    "bank_sort_code": "sort_code",
    "bank_account_no": "account_no",
    "bank_iban": "iban",
    "bank_bic": "bic",
}
# Account fields whose model attribute has another name.
ACCOUNT_ATTRS = {"contact_classification": "classification"}


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def flag(value, name):
    if isinstance(value, bool):
        return value
    text = validators.clean_text(value)
    if text.lower() in ("y", "n"):
        return text.lower() == "y"
    raise ValueError(f"Invalid value '{text}' for {column(name)}: use y or n")


def amount(value):
    """A Decimal with at most 2 places from a Decimal, int or plain text."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = validators.clean_text(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"Cannot convert '{text}' to amount") from None
        if not number.is_finite():
            raise ValueError(f"Cannot convert '{text}' to amount")
    if number.as_tuple().exponent < -2:
        raise ValueError(f"Amount '{value}' has more than 2 decimal places")
    return number.quantize(Decimal("0.01"))


class References:
    """Every reference table a contact can name, loaded once (one query per table): for imports,
    which resolve thousands of rows without a query per row."""

    def __init__(self, tenant):
        self.by_code = {}
        self.by_id = {}
        loaded = {}
        for name, (model, _thing, kind) in REFERENCES.items():
            key = (model, kind)
            if key not in loaded:
                queryset = model.objects.filter(tenant=tenant)
                if kind:
                    queryset = queryset.filter(kind=kind)
                objects = list(queryset)
                loaded[key] = ({o.code.upper(): o for o in objects}, {o.pk: o for o in objects})
            self.by_code[name], self.by_id[name] = loaded[key]
        self.base_currency = next((c for c in self.by_code["currency"].values() if c.is_base), None)

    def get(self, name, code):
        return self.by_code[name].get(code.upper())


def reference(tenant, name, value, refs=None):
    """The tenant's object a reference field names (its code, or the object itself)."""
    model, thing, kind = REFERENCES[name]
    if isinstance(value, model):
        if value.tenant_id != tenant.pk or (kind and value.kind != kind):
            raise ValueError(f"{thing} '{value.code}' does not exist")
        return value
    code = validators.clean_text(value)
    if refs is not None:
        found = refs.get(name, code)
        if found is None:
            raise ValueError(f"{thing} '{code}' does not exist")
        return found
    queryset = model.objects.filter(tenant=tenant, code__iexact=code)
    if kind:
        queryset = queryset.filter(kind=kind)
    found = queryset.first()
    if found is None:
        raise ValueError(f"{thing} '{code}' does not exist")
    return found


def base_currency(tenant):
    return Currency.objects.filter(tenant=tenant, is_base=True).first()


# How resolve() reads each field (one dictionary lookup per value instead of a chain of tests).
_FLAG, _REFERENCE, _CODE, _CONTACT_TYPE, _COUNTRY, _AMOUNT, _TEXT = range(7)
_KINDS = {
    **{name: _FLAG for name in (*FLAGS, "address_accept_delivery_flag", "is_active")},
    **{name: _REFERENCE for name in REFERENCES},
    "code": _CODE,
    "contact_type": _CONTACT_TYPE,
    "country_code": _COUNTRY,
    "address_country_code": _COUNTRY,
    "credit_limit": _AMOUNT,
    **{name: _TEXT for name in TEXT},
}
if _KINDS.keys() != FIELDS:  # every field is read one way
    raise RuntimeError(f"contact fields without a reader: {sorted(FIELDS ^ _KINDS.keys())}")
_TEXT_RULES = {name: (column(name), limit) for name, limit in TEXT.items()}
_CONTACT_TYPES = frozenset(ContactType.values)

# The defaults that depend on no other field, in the order they are applied.
_STATIC_DEFAULTS = (
    *((name, False) for name in FLAGS),
    ("is_active", True),
    ("address_accept_delivery_flag", True),
    ("code", ""),
    ("contact_type", ContactType.COMPANY),
    ("country_code", "GB"),
    ("credit_limit", None),
    *((name, "") for name in TEXT if name not in ("account_description", "contact_description", "contact_name")),
    *((name, None) for name in REFERENCES if name not in ("currency", "tax_authority")),
)

_STATIC = dict(_STATIC_DEFAULTS)
# The fields whose default depends on other fields (set by resolve() itself).
_DEPENDENT = frozenset(("currency", "account_description", "contact_description", "contact_name", "address_country_code",
                        "tax_authority"))
if _STATIC.keys() | _DEPENDENT != FIELDS:  # every field has a default
    raise RuntimeError(f"contact fields without a default: {sorted(FIELDS - _STATIC.keys() - _DEPENDENT)}")

# Rules that depend on another field, applied to filled-in values (the postcode's on the country).
_CHECKS = (
    ("address_postcode", None),
    ("contact_email", validators.email),
    ("contact_phone", validators.phone),
    ("contact_mobile", validators.phone),
    ("bank_sort_code", validators.sort_code),
    ("bank_account_no", validators.account_no),
    ("bank_iban", validators.iban),
    ("bank_bic", validators.bic),
)


def _code(value):
    return validators.code(validators.text(value, "code", 50))


def _value(tenant, name, kind, value, refs):
    """A filled-in value of a field of `kind` as stored; raises ValueError with the message."""
    if kind == _TEXT:
        label, limit = _TEXT_RULES[name]
        return validators.text(value, label, limit)
    if kind == _REFERENCE:
        if refs is not None and isinstance(value, str):
            found = refs.by_code[name].get(value.strip().upper())
            if found is not None:
                return found
        return reference(tenant, name, value, refs)
    if kind == _FLAG:
        return flag(value, name)
    if kind == _CODE:
        return _code(value)
    if kind == _COUNTRY:
        return validators.country_code(value)
    return amount(value)


def resolve(*, tenant, given, current=None, refs=None):
    """(target, errors): the complete target state {field: value}, references as objects, and
    {field: message} for every value that breaks a rule.

    `current` is the contact's present state (None on create). A field absent from `given`
    keeps its present value on update and takes its default on create; a blank one takes its
    default either way. Unknown field names are a programming error (TypeError). `refs` (a
    `References`) answers reference lookups from memory instead of the database.
    """
    kinds = _KINDS
    if not given.keys() <= kinds.keys():
        unknown = set(given) - FIELDS
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    errors = {}
    # On create every field starts at its static default, which a value given overrides; on
    # update at its present value, and a blank one takes the default below.
    target = dict(current) if current else _STATIC.copy()
    blank = []

    by_code = refs.by_code if refs is not None else None
    text_rules = _TEXT_RULES

    # Values given: syntax and reference existence, cell by cell.
    for name, value in given.items():
        if value.__class__ is str:
            # The usual case (a file's cells, a form's fields), read inline: it is most of an import.
            text = value.strip()
            if not text:
                blank.append(name)
                continue
            kind = kinds[name]
            if kind == _TEXT:
                limit = text_rules[name][1]
                if limit is None or len(text) <= limit:
                    target[name] = text
                    continue
            elif kind == _REFERENCE and by_code is not None:
                found = by_code[name].get(text.upper())
                if found is not None:
                    target[name] = found
                    continue
            elif kind == _FLAG:
                lowered = text.lower()
                if lowered == "y" or lowered == "n":
                    target[name] = lowered == "y"
                    continue
        elif value is None:
            blank.append(name)
            continue
        else:
            kind = kinds[name]
        if kind == _CONTACT_TYPE:
            kind_ = validators.clean_text(value).upper()
            if kind_ not in _CONTACT_TYPES:
                errors[name] = f"Invalid value '{validators.clean_text(value)}' for contact_type: expected one of C, P"
            target[name] = kind_
            continue
        try:
            target[name] = _value(tenant, name, kind, value, refs)
        except ValueError as error:
            errors.setdefault(name, str(error))
            target[name] = None
    # A field takes its default when given blank, and on create when not given either.
    if current:
        for name in blank:
            if name in _STATIC:
                target[name] = _STATIC[name]
        defaulted = _DEPENDENT.intersection(blank)
    else:  # blank static fields kept their default
        defaulted = _DEPENDENT.difference(given.keys()).union(_DEPENDENT.intersection(blank))

    # The defaults that depend on other fields, in dependency order.
    get = target.get
    if defaulted:
        if "currency" in defaulted:
            target["currency"] = refs.base_currency if refs is not None else base_currency(tenant)
            if target["currency"] is None:
                errors["currency"] = "The environment has no base currency; choose a currency"
        is_person = get("contact_type") == ContactType.PERSON
        if "account_description" in defaulted or "contact_name" in defaulted:
            first, last = get("first_name"), get("last_name")
            person = f"{first} {last}" if first and last else first or last or ""
        if "account_description" in defaulted:
            target["account_description"] = person if is_person else get("company_name") or ""
        if "contact_description" in defaulted:
            target["contact_description"] = (get("account_description") or "")[:100]
        if "contact_name" in defaulted:
            target["contact_name"] = person if is_person else ""
        if "address_country_code" in defaulted:
            target["address_country_code"] = None
        if "tax_authority" in defaulted:
            target["tax_authority"] = None
            if get("tax_no") and get("country_code") == "GB":
                try:
                    target["tax_authority"] = reference(tenant, "tax_authority", "HMRC", refs)
                except ValueError as error:
                    errors.setdefault("tax_authority", str(error))
    if get("address_country_code") is None:
        target["address_country_code"] = get("country_code") or "GB"

    # Rules that depend on another field.
    authority = get("tax_authority")
    if authority is not None and get("tax_no") and authority.code.upper() == "HMRC" and "tax_no" not in errors:
        try:
            target["tax_no"] = validators.hmrc_tax_no(target["tax_no"])
        except ValueError as error:
            errors.setdefault("tax_no", str(error))
            target["tax_no"] = None
    for name, check in _CHECKS:
        value = get(name)
        if value and name not in errors:
            try:
                if check is None:
                    target[name] = validators.postcode(value, get("address_country_code") or "GB")
                else:
                    target[name] = check(value)
            except ValueError as error:
                errors.setdefault(name, str(error))
                target[name] = None
    _row_rules(target, errors)
    return target, errors


def _row_rules(target, errors):
    """Rules over several fields, skipped where a field they depend on already has an error."""
    get = target.get
    if errors.keys().isdisjoint(FLAGS) and not any(map(get, FLAGS)):
        errors[NON_FIELD_ERRORS] = "At least one of is_customer, is_supplier, is_resource, is_staff, is_lead must be y"
    if "contact_type" not in errors:
        contact_type = get("contact_type")
        if contact_type == ContactType.COMPANY and not get("company_name"):
            errors.setdefault("company_name", "company_name is required when contact_type is C")
        elif contact_type == ContactType.PERSON:
            for name in ("first_name", "last_name"):
                if not get(name):
                    errors.setdefault(name, f"{name} is required when contact_type is P")
    if (bool(get("bank_sort_code")) != bool(get("bank_account_no"))
            and "bank_sort_code" not in errors and "bank_account_no" not in errors):
        errors["bank_sort_code"] = "bank.sort_code and bank.account_no must be given together"
    limit = get("credit_limit")
    if limit is not None and limit < 0 and "credit_limit" not in errors:
        errors["credit_limit"] = "credit_limit must not be negative"


def plain(target):
    """The state with references as codes and amounts as text: comparable and JSON-ready."""
    result = {}
    for name, value in target.items():
        if name in REFERENCES:
            result[name] = value.code if value is not None else ""
        elif name == "credit_limit":
            result[name] = f"{value:.2f}" if value is not None else ""
        elif name == "address_country_code" and value is None:
            result[name] = target.get("country_code") or "GB"
        else:
            result[name] = value
    return result
