"""Property tests: no normaliser raises, whatever text it is given."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outsourcing_crawler.normalisers import (
    SEOUL,
    Budget,
    budget_from_amounts,
    budget_from_base_salary,
    canonical_skill,
    clean_text,
    find_personal_data,
    html_to_text,
    is_login_prompt,
    join_category,
    json_ld_nodes,
    json_text,
    labelled_value,
    location_from_address,
    merge_skills,
    parse_budget,
    parse_count,
    parse_datetime,
    parse_duration_days,
    parse_int,
    parse_relative,
    parse_status,
    parse_work_type,
    redact_personal_data,
    skills_from_field,
    skills_in_text,
)

# NORMALISER_EXAMPLES=3000 runs a deeper search locally; the default keeps the suite quick.
PROPERTY_SETTINGS = settings(
    max_examples=int(os.environ.get("NORMALISER_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces of the formats the normalisers parse, so that generated text gets close to the
# interesting branches instead of staying random noise.
FRAGMENTS = [
    "만원", "만", "억", "천", "원", "~", "-", ".", ",", "/", "월", "일", "주", "개월", "년",
    "시간", "분", "전", "후", "마감", "D-", "DAY", "$", "€", "£", "₩", "¥", "₹", "USD", "KRW",
    "k", "+", "협의", "Hourly", "hr", "per month", "ago", "left", "to", "Less than", "Over",
    "지원자", "명", "없음", "상주", "반상주", "재택", "remote", "<p>", "</p>", "<br>", "&amp;",
    "&#", ";", "<", ">", "React", "리액트", "자바", "스크립트", "Java", "C#", "C++", ".NET",
    "Go", " · ", "@", "010", "+82", "(", ")", "T", "Z", ":", " ", "\n", "\u00a0", "\u200b",
]  # fmt: skip
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
DIGITS = st.characters(min_codepoint=ord("0"), max_codepoint=ord("9"))
TOKENS = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.text(DIGITS, min_size=1, max_size=16),
    st.text(HANGUL, min_size=1, max_size=4),
    st.text(max_size=3),
)
MIXED = st.lists(TOKENS, max_size=12).map("".join)
TEXTS = st.one_of(st.text(), MIXED)
AMOUNTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXTS,
)
REFERENCES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(SEOUL)
)


def _check_budget(budget: Budget | None) -> None:
    if budget is None:
        return
    assert budget.type in {None, "fixed", "hourly", "monthly", "negotiable"}
    for amount in (budget.min, budget.max):
        assert amount is None or (type(amount) is int and amount > 0)
    if budget.min is not None and budget.max is not None:
        assert budget.min <= budget.max
    if budget.min is None and budget.max is None:
        assert budget.currency is None


@PROPERTY_SETTINGS
@given(TEXTS, st.sampled_from([None, "만원", "원", "USD", "억", "garbage"]))
def test_parse_budget_never_raises(text: str, unit: str | None) -> None:
    _check_budget(parse_budget(text, unit=unit))


@PROPERTY_SETTINGS
@given(AMOUNTS, AMOUNTS, st.sampled_from([1, 10_000, 0, -1]))
def test_budget_from_amounts_never_raises(minimum: object, maximum: object, scale: int) -> None:
    budget = budget_from_amounts(
        minimum,  # type: ignore[arg-type]
        maximum,  # type: ignore[arg-type]
        currency="KRW",
        budget_type="fixed",
        scale=scale,
    )
    _check_budget(budget)


@PROPERTY_SETTINGS
@given(st.one_of(TEXTS, st.integers(), st.floats()), st.booleans())
def test_parse_datetime_is_aware(value: str | int | float, end_of_day: bool) -> None:
    result = parse_datetime(value, end_of_day=end_of_day)
    assert result is None or result.utcoffset() is not None


@PROPERTY_SETTINGS
@given(TEXTS, REFERENCES)
def test_parse_relative_is_aware(text: str, reference: datetime) -> None:
    result = parse_relative(text, reference)
    assert result is None or result.utcoffset() is not None


@PROPERTY_SETTINGS
@given(st.one_of(TEXTS, st.integers()))
def test_counts_and_durations_never_raise(value: str | int) -> None:
    count = parse_count(value)
    assert count is None or (type(count) is int and count >= 0)
    days = parse_duration_days(value)
    assert days is None or (type(days) is int and days >= 0)


@PROPERTY_SETTINGS
@given(st.one_of(TEXTS, st.integers(), st.floats()))
def test_parse_int_never_raises(value: str | int | float) -> None:
    number = parse_int(value)
    assert number is None or type(number) is int


@PROPERTY_SETTINGS
@given(TEXTS, st.lists(TEXTS, max_size=3), st.booleans())
def test_labels_and_statuses_never_raise(text: str, labels: list[str], colon: bool) -> None:
    value = labelled_value(text, labels, colon=colon)
    assert value is None or (value and "\n" not in value)
    assert parse_status(text) in {None, "open", "closed"}


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXTS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["@type", "@graph", "address", "value", "unitText", "title"]) | TEXTS,
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@PROPERTY_SETTINGS
@given(JSON_VALUES)
def test_json_ld_functions_never_raise(value: object) -> None:
    nodes = json_ld_nodes(json.dumps(value), "JobPosting")
    assert nodes is None or all(isinstance(node, dict) for node in nodes)
    location = location_from_address(value)
    assert location is None or location.strip() == location
    _check_budget(budget_from_base_salary(value))
    json_text(value, "title", "value")


@PROPERTY_SETTINGS
@given(TEXTS)
def test_text_functions_never_raise(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned is None or (cleaned and cleaned == cleaned.strip())
    plain = html_to_text(text)
    if plain is not None:
        lines = plain.split("\n")
        assert all(line and line == line.strip() for line in lines)
    category = join_category(text)
    assert category is None or category.strip() == category
    assert isinstance(is_login_prompt(text), bool)
    assert parse_work_type(text) in {None, "remote", "onsite", "hybrid"}


# Every character, lone surrogates and NUL included.
ANY_CHARACTERS = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


@PROPERTY_SETTINGS
@given(ANY_CHARACTERS | TEXTS)
def test_text_functions_give_text_any_database_stores(text: str) -> None:
    for value in (clean_text(text), html_to_text(text), join_category(text), json_text(text)):
        assert value is None or ("\x00" not in value and value.encode("utf-8"))


@PROPERTY_SETTINGS
@given(TEXTS)
def test_privacy_never_raises(text: str) -> None:
    found = find_personal_data(text)
    redacted = redact_personal_data(text)
    assert redacted is not None
    assert find_personal_data(redacted) == [] or not found


@PROPERTY_SETTINGS
@given(TEXTS, st.lists(TEXTS, max_size=6))
def test_skills_have_no_duplicates(text: str, values: list[str]) -> None:
    for skills in (
        skills_in_text(text),
        skills_from_field(text),
        skills_from_field(values),
        merge_skills(skills_in_text(text), skills_from_field(values)),
    ):
        assert len({skill.casefold() for skill in skills}) == len(skills)
        assert all(skill for skill in skills)
    canonical_skill(text)


PATHOLOGICAL = {
    "spaces": "react" + " " * 20_000 + "x",
    "newlines": "react" + "\n" * 20_000 + "x",
    "digits": "1" * 20_000,
    "separators": "a" + " · " * 7_000 + "/" * 5_000,
    "unclosed tags": "<" * 20_000 + "<b" + "<" * 100,
    "deep html": "<div>" * 5_000 + "x",
    "email-like": "a." * 10_000 + "@",
    "dates": "2025-10-13 " * 2_000,
}
ALL_FUNCTIONS: list[Callable[[str], object]] = [
    parse_budget,
    parse_datetime,
    lambda text: parse_relative(text, datetime(2026, 1, 1, tzinfo=SEOUL)),
    parse_duration_days,
    parse_count,
    clean_text,
    html_to_text,
    join_category,
    is_login_prompt,
    parse_work_type,
    canonical_skill,
    skills_from_field,
    skills_in_text,
    find_personal_data,
    redact_personal_data,
    parse_status,
    parse_int,
    json_ld_nodes,
    lambda text: labelled_value(text, ["월단가", "기간", "react"], colon=False),
]


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_long_pathological_input_stays_linear(text: str) -> None:
    """A regex that backtracks quadratically would take seconds of CPU here.

    CPU time of this thread, not wall time: other processes on a busy machine must not fail it.
    """
    skills_in_text("warm up")  # the vocabulary compiles once, outside the timing
    for function in ALL_FUNCTIONS:
        started = time.thread_time()
        function(text)
        assert time.thread_time() - started < 1.0, function
