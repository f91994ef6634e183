"""Value rules for contact data (shared/spec/import-formats.md §3.1).

Pure functions with no database access, shared by the contact services, the forms and the
Contact import. Each takes the value as read, returns the normalised value, or raises
ValueError with the message the user sees (the catalogue's wording, quoting the trimmed value).
Blank values are the caller's business: these functions are for filled-in values.
"""

import re

from .countries import COUNTRIES

# Whitespace Python's str.strip() already covers includes the no-break space (U+00A0).
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
UK_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^[0-9 +()\-]+$")
HMRC_VAT_RE = re.compile(r"^(?:[0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$")
BIC_RE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")
IBAN_RE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")
SPACES_RE = re.compile(r"\s+")
SORT_CODE_SEPARATORS_RE = re.compile(r"[\s-]")
SIX_DIGITS_RE = re.compile(r"[0-9]{6}")
EIGHT_DIGITS_RE = re.compile(r"[0-9]{8}")

# IBAN lengths by country (SWIFT IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def clean_text(value):
    """Trim a cell: None becomes '', surrounding whitespace (also no-break spaces) goes."""
    if value is None:
        return ""
    return str(value).strip()


def text(value, column, max_length):
    """Trimmed text no longer than `max_length` characters (E05)."""
    value = clean_text(value)
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"Value for {column} is too long ({len(value)} characters, maximum {max_length})")
    return value


def code(value):
    """A contact code: letters, digits and . _ / - (not first); stored upper-case (E21)."""
    value = clean_text(value)
    if not CODE_RE.match(value):
        raise ValueError(f"Invalid code '{value}': use letters, digits and . _ / -")
    return value.upper()


def country_code(value):
    """An ISO 3166-1 alpha-2 code, upper-case (E07 Country)."""
    value = clean_text(value)
    if value.upper() not in COUNTRIES:
        raise ValueError(f"Country '{value}' does not exist")
    return value.upper()


def hmrc_tax_no(value):
    """A UK VAT registration number: optional GB, then 9 or 12 digits, GD or HA + 3 digits (E16).

    Stored as GB + the rest without spaces: 'GB 999 0008 08' -> 'GB999000808', 'HA500' -> 'GBHA500'.
    """
    value = clean_text(value)
    compact = SPACES_RE.sub("", value).upper()
    rest = compact[2:] if compact.startswith("GB") else compact
    if not HMRC_VAT_RE.match(rest):
        raise ValueError(f"Invalid VAT registration number '{value}'")
    return "GB" + rest


def uk_postcode(value):
    """A UK postcode, upper-case with one space before the last three characters (E10)."""
    value = clean_text(value)
    upper = value.upper()
    if not UK_POSTCODE_RE.match(upper):
        raise ValueError(f"Invalid UK postcode '{value}'")
    compact = upper.replace(" ", "")
    return f"{compact[:-3]} {compact[-3:]}"


def postcode(value, country="GB"):
    """The UK rule for GB addresses; free text (trimmed) elsewhere."""
    if (country or "GB").upper() == "GB":
        return uk_postcode(value)
    return clean_text(value)


def email(value):
    """One e-mail address (E11)."""
    value = clean_text(value)
    if not EMAIL_RE.match(value):
        raise ValueError(f"Invalid email address '{value}'")
    return value


def phone(value):
    """Digits, spaces and + ( ) - only, with 7 to 15 digits; kept as written (E20)."""
    value = clean_text(value)
    if not PHONE_RE.match(value):
        raise ValueError(f"Invalid phone number '{value}'")
    # Only digits and " +()-" are left: the digits are what the others leave.
    digits = len(value) - sum(value.count(ch) for ch in " +()-")
    if not 7 <= digits <= 15:
        raise ValueError(f"Invalid phone number '{value}'")
    return value


def sort_code(value):
    """Six digits once spaces and hyphens are removed, stored NN-NN-NN (E12)."""
    value = clean_text(value)
    digits = SORT_CODE_SEPARATORS_RE.sub("", value)
    if not SIX_DIGITS_RE.fullmatch(digits):
        raise ValueError(f"Invalid sort code '{value}': expected 6 digits")
    return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}"


def account_no(value):
    """Exactly eight digits, never padded (E13)."""
    value = clean_text(value)
    if not EIGHT_DIGITS_RE.fullmatch(value):
        raise ValueError(f"Invalid account number '{value}': expected 8 digits")
    return value


def iban_is_valid(compact):
    """Country length and ISO 7064 mod-97 check of an upper-case IBAN without spaces."""
    if not IBAN_RE.match(compact) or IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def iban(value):
    """An IBAN: spaces removed, upper-cased, country length and mod-97 checked (E14)."""
    value = clean_text(value)
    compact = SPACES_RE.sub("", value).upper()
    if not iban_is_valid(compact):
        raise ValueError(f"Invalid IBAN '{value}'")
    return compact


def bic(value):
    """A BIC of 8 or 11 characters, stored upper-case (E15)."""
    value = clean_text(value)
    upper = value.upper()
    if not BIC_RE.match(upper):
        raise ValueError(f"Invalid BIC '{value}'")
    return upper
