"""Budgets from text and from JSON amounts."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import (
    MAN_WON,
    Budget,
    budget_from_amounts,
    currency_code,
    parse_budget,
)

NEGOTIABLE = Budget(None, None, None, "negotiable")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Korean units
        ("500만원", Budget(5_000_000, 5_000_000, "KRW", "fixed")),
        ("1,500만 원", Budget(15_000_000, 15_000_000, "KRW", "fixed")),
        ("1억 2,000만원", Budget(120_000_000, 120_000_000, "KRW", "fixed")),
        ("1억원", Budget(100_000_000, 100_000_000, "KRW", "fixed")),
        ("1.5억", Budget(150_000_000, 150_000_000, "KRW", "fixed")),
        ("5천만원", Budget(50_000_000, 50_000_000, "KRW", "fixed")),
        ("1억 5천만원", Budget(150_000_000, 150_000_000, "KRW", "fixed")),
        ("1억 0만원", Budget(100_000_000, 100_000_000, "KRW", "fixed")),
        ("360 만원", Budget(3_600_000, 3_600_000, "KRW", "fixed")),
        ("10만", Budget(100_000, 100_000, "KRW", "fixed")),
        ("7,000,000원", Budget(7_000_000, 7_000_000, "KRW", "fixed")),
        ("예산: 7000000원", Budget(7_000_000, 7_000_000, "KRW", "fixed")),
        ("예상 금액 350,000원", Budget(350_000, 350_000, "KRW", "fixed")),
        ("예상 금액 1,000,000원", Budget(1_000_000, 1_000_000, "KRW", "fixed")),
        ("₩500,000", Budget(500_000, 500_000, "KRW", "fixed")),
        # monthly rates
        ("월 금액 7,000,000원 /월", Budget(7_000_000, 7_000_000, "KRW", "monthly")),
        ("월 단가 : 550만원", Budget(5_500_000, 5_500_000, "KRW", "monthly")),
        ("월 임금 300만원", Budget(3_000_000, 3_000_000, "KRW", "monthly")),
        ("550만원/월", Budget(5_500_000, 5_500_000, "KRW", "monthly")),
        ("$5,000 per month", Budget(5_000, 5_000, "USD", "monthly")),
        ("$5000/mo", Budget(5_000, 5_000, "USD", "monthly")),
        # ranges
        ("500~600만원", Budget(5_000_000, 6_000_000, "KRW", "fixed")),
        ("250만원 ~ 500만원", Budget(2_500_000, 5_000_000, "KRW", "fixed")),
        ("1~2억", Budget(100_000_000, 200_000_000, "KRW", "fixed")),
        ("$25.00-$45.00", Budget(25, 45, "USD", "fixed")),
        ("$30 - 250 USD", Budget(30, 250, "USD", "fixed")),
        ("AUD 1,000 - 2,000", Budget(1_000, 2_000, "AUD", "fixed")),
        ("$1.5k-$2.5k", Budget(1_500, 2_500, "USD", "fixed")),
        ("25-30k USD", Budget(25_000, 30_000, "USD", "fixed")),
        ("$45 - $25", Budget(25, 45, "USD", "fixed")),
        # a second amount that is not joined as a range is not the upper bound
        ("350,000원 (VAT 포함 385,000원)", Budget(350_000, 350_000, "KRW", "fixed")),
        # negotiable
        ("협의", NEGOTIABLE),
        ("협의 후 결정", NEGOTIABLE),
        ("가격제안", NEGOTIABLE),
        ("견적 요청", NEGOTIABLE),
        ("Negotiable", NEGOTIABLE),
        ("금액 협의", NEGOTIABLE),
        ("0원", NEGOTIABLE),
        ("0 만원", NEGOTIABLE),
        ("0만원", NEGOTIABLE),
        ("0억", NEGOTIABLE),
        ("Not Sure", NEGOTIABLE),
        ("Fixed Price | Not Sure", NEGOTIABLE),
        # an hourly rate without an amount stays hourly, as from JSON amounts
        ("Hourly | Not Sure", Budget(None, None, None, "hourly")),
        ("시급 협의", Budget(None, None, None, "hourly")),
        # international
        ("$1.5k", Budget(1_500, 1_500, "USD", "fixed")),
        ("$2.5k", Budget(2_500, 2_500, "USD", "fixed")),
        ("Hourly: $25", Budget(25, 25, "USD", "hourly")),
        ("Hourly: $25.00-$45.00", Budget(25, 45, "USD", "hourly")),
        ("Hourly Range: $15.00 - $25.00 /hr", Budget(15, 25, "USD", "hourly")),
        ("$30 per hour", Budget(30, 30, "USD", "hourly")),
        ("시급 15,000원", Budget(15_000, 15_000, "KRW", "hourly")),
        ("Est. budget: $500.00", Budget(500, 500, "USD", "fixed")),
        ("Fixed price", Budget(None, None, None, "fixed")),
        ("Hourly", Budget(None, None, None, "hourly")),
        ("Over $25k", Budget(25_000, None, "USD", "fixed")),
        ("$25k+", Budget(25_000, None, "USD", "fixed")),
        ("1,000만원 이상", Budget(10_000_000, None, "KRW", "fixed")),
        ("Under $250", Budget(None, 250, "USD", "fixed")),
        ("Less than $250", Budget(None, 250, "USD", "fixed")),
        ("300만원 이하", Budget(None, 3_000_000, "KRW", "fixed")),
        ("€500", Budget(500, 500, "EUR", "fixed")),
        ("£1,200", Budget(1_200, 1_200, "GBP", "fixed")),
        ("¥5000", Budget(5_000, 5_000, "JPY", "fixed")),
        ("₹2000", Budget(2_000, 2_000, "INR", "fixed")),
        ("500 USD", Budget(500, 500, "USD", "fixed")),
        ("EUR 300", Budget(300, 300, "EUR", "fixed")),
        ("CAD 750", Budget(750, 750, "CAD", "fixed")),
        ("A$900", Budget(900, 900, "AUD", "fixed")),
        ("US$500", Budget(500, 500, "USD", "fixed")),
        ("5만 달러", Budget(50_000, 50_000, "USD", "fixed")),
        ("$99.5", Budget(100, 100, "USD", "fixed")),
        # not budgets
        ("", None),
        ("   ", None),
        (None, None),
        ("garbage", None),
        ("예상 금액", None),
        ("3개월", None),
        ("5 백엔드 개발자", None),
    ],
)
def test_parse_budget(text: str | None, expected: Budget | None) -> None:
    assert parse_budget(text) == expected


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("500~600", "만원", Budget(5_000_000, 6_000_000, "KRW", "fixed")),
        ("280", "만원", Budget(2_800_000, 2_800_000, "KRW", "fixed")),
        ("500~600만원", "만원", Budget(5_000_000, 6_000_000, "KRW", "fixed")),
        ("협의", "만원", NEGOTIABLE),
        ("25-45", "USD", Budget(25, 45, "USD", "fixed")),
    ],
)
def test_parse_budget_with_unit(text: str, unit: str, expected: Budget) -> None:
    assert parse_budget(text, unit=unit) == expected


def test_parse_budget_defaults() -> None:
    assert parse_budget("$25.00-$45.00", default_type="hourly") == Budget(25, 45, "USD", "hourly")
    assert parse_budget("500", default_currency="USD") == Budget(500, 500, "USD", "fixed")
    assert parse_budget("500만원", default_type=None) == Budget(5_000_000, 5_000_000, "KRW", None)
    assert parse_budget("월 단가 500만원", default_type=None).type == "monthly"  # type: ignore[union-attr]


def test_amounts_are_ints() -> None:
    budget = parse_budget("$25.00-$45.00")
    assert budget is not None
    assert type(budget.min) is int
    assert type(budget.max) is int


@pytest.mark.parametrize(
    ("minimum", "maximum", "kwargs", "expected"),
    [
        ("280", "280", {"scale": MAN_WON}, Budget(2_800_000, 2_800_000, "KRW", "fixed")),
        ("250", "500", {"scale": MAN_WON}, Budget(2_500_000, 5_000_000, "KRW", "fixed")),
        ("0", "0", {"scale": MAN_WON}, NEGOTIABLE),
        (0, 0, {}, NEGOTIABLE),
        (None, None, {}, NEGOTIABLE),
        ("", None, {}, NEGOTIABLE),
        (280.0, 300.0, {}, Budget(280, 300, "KRW", "fixed")),
        (99.5, None, {}, Budget(100, None, "KRW", "fixed")),
        (500, None, {}, Budget(500, None, "KRW", "fixed")),
        (None, 600, {}, Budget(None, 600, "KRW", "fixed")),
        (0, 600, {}, Budget(None, 600, "KRW", "fixed")),
        (600, 500, {}, Budget(500, 600, "KRW", "fixed")),
        ("1,500", "2,000", {}, Budget(1_500, 2_000, "KRW", "fixed")),
        ("abc", "-5", {}, NEGOTIABLE),
        (float("nan"), float("inf"), {}, NEGOTIABLE),
        (True, False, {}, NEGOTIABLE),
    ],
)
def test_budget_from_amounts(
    minimum: object, maximum: object, kwargs: dict[str, int], expected: Budget
) -> None:
    result = budget_from_amounts(
        minimum,  # type: ignore[arg-type]
        maximum,  # type: ignore[arg-type]
        currency="KRW",
        budget_type="fixed",
        **kwargs,
    )
    assert result == expected
    assert all(value is None or type(value) is int for value in (result.min, result.max))


def test_budget_from_amounts_hourly_without_amount() -> None:
    assert budget_from_amounts(None, None, currency="USD", budget_type="hourly") == Budget(
        None, None, None, "hourly"
    )
    assert budget_from_amounts(15.0, 25.0, currency="USD", budget_type="hourly") == Budget(
        15, 25, "USD", "hourly"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("USD", "USD"),
        (" usd ", "USD"),
        ("PHP", "PHP"),  # any code: an API's currency field is never the language
        ("US", None),
        ("USDT", None),
        ("U$D", None),
        ("", None),
        (None, None),
        (0, None),
        (["USD"], None),
    ],
)
def test_currency_code(value: object, expected: str | None) -> None:
    assert currency_code(value) == expected
