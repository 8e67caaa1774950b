"""Budgets: amounts, currency and budget type from text or from JSON amounts."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, NamedTuple

from .text import clean_text

__all__ = [
    "MAN_WON",
    "NO_BUDGET",
    "Budget",
    "budget_from_amounts",
    "currency_code",
    "parse_budget",
]

MAN_WON: Final = 10_000
"""One 만원 in won."""


class Budget(NamedTuple):
    """A parsed budget; amounts are whole units of ``currency``."""

    min: int | None
    max: int | None
    currency: str | None
    type: str | None


NO_BUDGET: Final = Budget(None, None, None, None)
"""No budget published at all (not even "negotiable")."""
_NEGOTIABLE: Final = Budget(None, None, None, "negotiable")

# Amounts beyond this many integer digits are garbage, and keeping them bounded keeps the
# Decimal arithmetic below exact (the default context has 28 significant digits).
_MAX_DIGITS: Final = 15

_KOREAN_UNITS: Final = {"억": 100_000_000, "만": 10_000, "천": 1_000, "백": 100}
_SUFFIX_UNITS: Final = {"k": 1_000, "m": 1_000_000}

_SYMBOLS: Final = {
    "us$": "USD",
    "a$": "AUD",
    "au$": "AUD",
    "c$": "CAD",
    "ca$": "CAD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "r$": "BRL",
    "$": "USD",
    "€": "EUR",
    "£": "GBP",
    "₩": "KRW",
    "￦": "KRW",
    "¥": "JPY",
    "￥": "JPY",
    "₹": "INR",
    "₱": "PHP",
    "원": "KRW",
    "달러": "USD",
    "불": "USD",
    "유로": "EUR",
    "파운드": "GBP",
    "엔": "JPY",
}
# "PHP" is left out on purpose: in this domain it is far more often the language.
_ISO_CODES: Final = (
    "USD", "EUR", "GBP", "AUD", "CAD", "NZD", "INR", "KRW", "JPY", "CNY", "RMB", "HKD", "SGD",
    "CHF", "SEK", "NOK", "DKK", "PLN", "BRL", "MXN", "ZAR", "AED", "TWD", "THB", "VND", "IDR",
    "MYR", "TRY", "RUB", "UAH", "ILS", "CZK", "HUF", "RON", "PKR", "BDT", "NGN", "EGP",
)  # fmt: skip

_ISO: Final = r"(?<![A-Za-z])(?:" + "|".join(_ISO_CODES) + r")(?![A-Za-z])"
_SYMBOL_PREFIX: Final = r"(?:(?<![A-Za-z])(?:US|AU?|CA?|NZ|HK|S|R))?\$|[€£₩￦¥￥₹₱]"
_PREFIX: Final = rf"{_SYMBOL_PREFIX}|{_ISO}"
# Korean currency words only count right after a number ("5만 달러"); "엔" must not start
# a longer word ("엔지니어").
_SUFFIX: Final = rf"{_ISO}|[€£₩￦¥￥₹₱$]|달러|불(?![가-힣])|유로|파운드|엔(?![가-힣])"
_NUMBER: Final = r"(?>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
# A run of Korean units, possibly continued by more numbers with units: "1억 2,000만".
# A unit must not begin a longer word: "5 백엔드" is no amount.
_KOREAN_TAIL: Final = rf"[억만천백]+(?:\s*{_NUMBER}\s*[억만천백]+)*(?:\s*원|(?![가-힣]))"

_AMOUNT: Final = re.compile(
    rf"""
    (?:(?P<pre>{_PREFIX})\s*|(?<![A-Za-z0-9.,]))
    (?P<num>{_NUMBER})
    (?:
        \s*(?P<ko>{_KOREAN_TAIL})
      | \s*(?P<won>원)
      | (?P<k>[kKmM])(?![A-Za-z])
      | \s*(?P<post>{_SUFFIX})
      | (?(pre)|(?!\s*[가-힣A-Za-z%°]))   # a bare number must not carry another unit (3개월)
    )
    (?(post)|(?:\s*(?P<post2>{_SUFFIX}))?)
    (?P<plus>\s*\+)?
    """,
    re.VERBOSE,
)
_RANGE_JOINER: Final = re.compile(
    r"\s*(?:[~\-–—〜～]|to|부터|에서|and)\s*(?:[:=])?\s*", re.IGNORECASE
)
_CURRENCY_ANYWHERE: Final = re.compile(rf"(?P<sym>{_SYMBOL_PREFIX})|(?P<iso>{_ISO})")

_NEGOTIABLE_WORDS: Final = re.compile(
    r"협의|상의|가격\s*제안|견적\s*(?:요청|문의|제안)|추후\s*(?:결정|협의|안내)|미정"
    r"|negotiab|to be (?:negotiated|discussed|determined)|\btbd\b|open to offers"
    r"|\bnot\s+sure\b",
    re.IGNORECASE,
)
_HOURLY_WORDS: Final = re.compile(
    r"hourly|per\s+hour|an\s+hour|/\s*(?:hr|hour|h)\b|\bhr\b|시급|시간당|/\s*시간",
    re.IGNORECASE,
)
# "월" alone is a month of the year in "10월"; it means "per month" only as a label or rate.
_MONTHLY_WORDS: Final = re.compile(
    r"/\s*월|(?:^|[^0-9가-힣])월\s*(?:단가|금액|임금|급여|보수|비용|[:)\s\d])|월급|매월|월\s*단가"
    r"|per\s+month|a\s+month|monthly|/\s*mo(?:nth)?\b",
    re.IGNORECASE,
)
_FIXED_WORDS: Final = re.compile(r"fixed|고정|정액|총\s*(?:금액|예산)", re.IGNORECASE)
_LOWER_BOUND: Final = re.compile(
    r"\b(?:over|more than|above|at least|min(?:imum)?|starting at|from)\b|이상|최소|초과|부터",
    re.IGNORECASE,
)
_UPPER_BOUND: Final = re.compile(
    r"\b(?:under|less than|below|up to|max(?:imum)?|within)\b|이하|미만|최대|까지|이내",
    re.IGNORECASE,
)


class _Amount(NamedTuple):
    value: Decimal
    bare: bool  # no unit and no currency of its own
    scale: int  # multiplier of its unit (만, 억, k...) for a bare partner in a range
    currency: str | None
    plus: bool
    start: int
    end: int


def _to_int(value: Decimal) -> int | None:
    """Round half up to an int; None for garbage."""
    try:
        result = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return result


def _decimal(number: str) -> Decimal | None:
    digits = number.replace(",", "")
    if len(digits.partition(".")[0]) > _MAX_DIGITS:
        return None
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _korean_value(expression: str) -> Decimal | None:
    """Evaluate a Korean numeral expression such as ``1억 2,000만`` or ``5천만``."""
    total = Decimal(0)
    # The part below the current 만/억 boundary; None until a number or unit is in it, so
    # that a bare "만" is one 만 while "0만" is zero.
    section: Decimal | None = None
    current: Decimal | None = None
    for match in re.finditer(rf"(?P<n>{_NUMBER})|(?P<u>[억만천백])", expression):
        if match["n"]:
            current = _decimal(match["n"])
            if current is None:
                return None
            continue
        unit = _KOREAN_UNITS[match["u"]]
        if unit < MAN_WON:
            section = (section or 0) + (current if current is not None else Decimal(1)) * unit
        else:
            if current is not None:
                section = (section or 0) + current
            total += (section if section is not None else Decimal(1)) * unit
            section = None
        current = None
    return total + (section or 0) + (current or 0)


def _unit_scale(units: str) -> int:
    """The multiplier a unit run applies to a bare number: "만" -> 10,000, "천만" -> 10**7."""
    value = _korean_value("1" + units)
    return int(value) if value is not None else 1


def _currency_code(token: str | None) -> str | None:
    if not token:
        return None
    token = token.strip()
    upper = token.upper()
    if upper in _ISO_CODES:
        return "CNY" if upper == "RMB" else upper
    return _SYMBOLS.get(token.lower())


def _amounts(text: str) -> list[_Amount]:
    found: list[_Amount] = []
    for match in _AMOUNT.finditer(text):
        number = _decimal(match["num"])
        if number is None:
            continue
        currency = _currency_code(match["pre"]) or _currency_code(match["post"] or match["post2"])
        scale = 1
        value: Decimal | None = number
        if match["ko"]:
            tail = match["ko"].rstrip().removesuffix("원")
            value = _korean_value(match["num"] + tail)
            scale = _unit_scale(re.match(r"[억만천백]+", tail)[0])  # type: ignore[index]
            currency = currency or "KRW"
        elif match["won"]:
            currency = currency or "KRW"
        elif match["k"]:
            scale = _SUFFIX_UNITS[match["k"].lower()]
            value = number * scale
        if value is None:
            continue
        bare = currency is None and scale == 1
        found.append(_Amount(value, bare, scale, currency, bool(match["plus"]), *match.span()))
    return found


def _unit_of(unit: str | None) -> tuple[int, str | None]:
    """Scale and currency that a ``unit`` argument (``"만원"``, ``"USD"``) gives bare numbers."""
    cleaned = clean_text(unit)
    if cleaned is None:
        return 1, None
    korean = re.search(r"[억만천백]+", cleaned)
    scale = _unit_scale(korean[0]) if korean else 1
    rest = cleaned.replace(korean[0], "") if korean else cleaned
    currency = _currency_code(rest) or ("KRW" if korean else None)
    return scale, currency


def _budget_type(text: str, default_type: str | None) -> str | None:
    if _HOURLY_WORDS.search(text):
        return "hourly"
    if _MONTHLY_WORDS.search(text):
        return "monthly"
    if _FIXED_WORDS.search(text):
        return "fixed"
    return default_type


def parse_budget(
    text: str | None,
    *,
    default_currency: str = "KRW",
    default_type: str | None = "fixed",
    unit: str | None = None,
) -> Budget | None:
    """Parse a budget text such as ``500~600만원``, ``월 단가 : 550만원``, ``$25.00-$45.00``.

    ``unit`` scales numbers published without their own unit (``unit="만원"`` for
    ``"500~600"``). ``협의``/``Negotiable``/``Not Sure`` and zero amounts (``0 만원``) give
    a negotiable budget without amounts; a type word alone (``"Hourly"``) gives that type
    without amounts, and an hourly rate stays hourly without one. Unknown text gives None.
    """
    cleaned = clean_text(text)
    if cleaned is None:
        return None
    amounts = _amounts(cleaned)
    # A second amount is only the upper bound when it is joined to the first as a range;
    # "350,000원 (VAT 포함 385,000원)" is one amount.
    first = amounts[0] if amounts else None
    second = None
    if len(amounts) >= 2 and _RANGE_JOINER.fullmatch(cleaned, amounts[0].end, amounts[1].start):
        second = amounts[1]

    unit_scale, unit_currency = _unit_of(unit)
    values: list[int | None] = []
    for amount in (first, second):
        if amount is None:
            continue
        value = amount.value
        if amount.bare:
            # "500~600만원": a number without a unit takes the unit of its partner.
            partner = second if amount is first else first
            value *= partner.scale if partner is not None and partner.scale > 1 else unit_scale
        values.append(_to_int(value))
    # A zero amount is a placeholder ("0원"): treat it as no amount.
    positive = [v if v is not None and v > 0 else None for v in values]

    if first is None or not any(v is not None for v in positive):
        # As for JSON amounts: no amount is negotiable, but an hourly rate without one stays
        # hourly ("Hourly | Not Sure").
        if _HOURLY_WORDS.search(cleaned):
            return Budget(None, None, None, "hourly")
        if _NEGOTIABLE_WORDS.search(cleaned) or amounts:
            return _NEGOTIABLE
        budget_type = _budget_type(cleaned, None)
        return Budget(None, None, None, budget_type) if budget_type else None

    currency = (
        first.currency
        or (second.currency if second is not None else None)
        or _currency_anywhere(cleaned)
        or unit_currency
        or default_currency
    )
    budget_type = _budget_type(cleaned, default_type)
    if second is not None:
        low, high = positive[0], positive[1]
        if low is not None and high is not None and high < low:
            low, high = high, low
        return Budget(low, high, currency, budget_type)

    value = positive[0]
    before = cleaned[: first.start]
    after = cleaned[first.end :]
    if first.plus or _LOWER_BOUND.search(before) or _LOWER_BOUND.match(after.strip()):
        return Budget(value, None, currency, budget_type)
    if _UPPER_BOUND.search(before) or _UPPER_BOUND.match(after.strip()):
        return Budget(None, value, currency, budget_type)
    return Budget(value, value, currency, budget_type)


def _currency_anywhere(text: str) -> str | None:
    match = _CURRENCY_ANYWHERE.search(text)
    return _currency_code(match.group()) if match else None


def currency_code(value: object) -> str | None:
    """The ISO 4217 code of a JSON API's currency field (``" usd"`` -> ``"USD"``); None for
    anything that is no three-letter code. Any code: APIs price in currencies that text
    never names (``_ISO_CODES`` is what text is searched for)."""
    if not isinstance(value, str):
        return None
    code = value.strip().upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else None


def _amount_value(value: object) -> Decimal | None:
    """A JSON amount (int, float or numeric string) as a Decimal; None for anything else."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        cleaned = clean_text(value)
        if cleaned is None or not re.fullmatch(r"\d[\d,]*(?:\.\d+)?", cleaned):
            return None
        return _decimal(cleaned)
    return None


def budget_from_amounts(
    minimum: int | float | str | None,
    maximum: int | float | str | None,
    *,
    currency: str | None,
    budget_type: str | None,
    scale: int = 1,
) -> Budget:
    """A budget from the amounts of a JSON API (``scale=MAN_WON`` for amounts in 만원).

    Zero or missing amounts on both ends mean negotiable (no amounts, no currency), except
    that an hourly budget without amounts stays hourly.
    """
    factor = scale if isinstance(scale, int) and not isinstance(scale, bool) and scale > 0 else 1
    bounds: list[int | None] = []
    for raw in (minimum, maximum):
        value = _amount_value(raw)
        amount = _to_int(value * factor) if value is not None else None
        bounds.append(amount if amount is not None and amount > 0 else None)
    low, high = bounds
    if low is None and high is None:
        if budget_type == "hourly":
            return Budget(None, None, None, "hourly")
        return _NEGOTIABLE
    if low is not None and high is not None and high < low:
        low, high = high, low
    return Budget(low, high, currency, budget_type)
