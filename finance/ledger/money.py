"""Money and rates as Decimal: reading amounts strictly, rounding half up, formatting for messages."""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_money(value):
    """Round to 2 places, half up (0.005 -> 0.01), as VAT and base amounts are rounded."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value, *, places):
    """`value` (Decimal, int or text) as a Decimal with at most `places` decimals.

    Raises ValueError with a user-facing message; floats are refused because they cannot hold
    amounts such as 0.10 exactly.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"Cannot convert '{value}' to amount: give a Decimal or text, not a float")
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"Cannot convert '{value}' to amount") from None
    if not number.is_finite():
        raise ValueError(f"Cannot convert '{value}' to amount")
    if -number.as_tuple().exponent > places and number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 2:
            raise ValueError(f"Amount '{value}' has more than 2 decimal places")
        raise ValueError(f"Number '{value}' has more than {places} decimal places")
    return number.quantize(Decimal(1).scaleb(-places))


def to_money(value):
    return to_decimal(value, places=2)


def fmt_money(value):
    return f"{Decimal(value).quantize(CENT):f}"


def fmt_rate(value):
    """A tax rate without trailing zeros: 20.00 -> '20', 17.50 -> '17.5'."""
    text = f"{Decimal(value).normalize():f}"
    return text


def fmt_date(value):
    """Dates in messages are shown as users type them: dd/mm/yyyy."""
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else str(value)
