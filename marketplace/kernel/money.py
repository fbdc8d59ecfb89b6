"""Money is integer cents in the database and Decimal in Python; never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings

CENT = Decimal("0.01")


class MoneyError(ValueError):
    pass


def to_cents(amount) -> int:
    """Exact Decimal (or str/int) dollars to integer cents; a fraction of a cent is an error."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise MoneyError(f"{amount!r} is not an amount") from exc
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not an amount")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError("Amounts are in whole cents.")
    return int(cents)


def to_decimal(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def format_money(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    return f"{sign}${to_decimal(abs(cents)):,.2f}"


def platform_fee(cents_to_freelancer: int) -> int:
    """PLATFORM_FEE_PERCENT of what the freelancer receives, in cents.

    Rounded once, half-up to the cent, as the spec says (the usual commercial rounding; a
    half cent goes to the platform, and the freelancer never sees fractions)."""
    fee = Decimal(int(cents_to_freelancer)) * Decimal(settings.PLATFORM_FEE_PERCENT) / 100
    return int(fee.quantize(Decimal(1), rounding=ROUND_HALF_UP))
