"""Pure parsers for every text format the spiders meet; unparseable input gives None.

Each module has one job; everything public is re-exported here.
"""

from .counts import parse_count, parse_id, parse_int
from .dates import SEOUL, end_of_day, parse_datetime, parse_relative
from .durations import parse_duration_days
from .json_ld import budget_from_base_salary, json_ld_nodes, location_from_address
from .labels import Labelled, find_labelled, labelled_value
from .money import MAN_WON, NO_BUDGET, Budget, budget_from_amounts, currency_code, parse_budget
from .privacy import find_personal_data, redact_personal_data
from .skills import (
    canonical_skill,
    merge_skills,
    posting_skills,
    skills_from_field,
    skills_in_text,
)
from .status import parse_status
from .text import (
    HANGUL,
    clean_text,
    description_text,
    html_to_text,
    is_login_prompt,
    join_category,
    json_text,
)
from .work_type import parse_work_type

__all__ = [
    "HANGUL",
    "MAN_WON",
    "NO_BUDGET",
    "SEOUL",
    "Budget",
    "Labelled",
    "budget_from_amounts",
    "budget_from_base_salary",
    "canonical_skill",
    "clean_text",
    "currency_code",
    "description_text",
    "end_of_day",
    "find_labelled",
    "find_personal_data",
    "html_to_text",
    "is_login_prompt",
    "join_category",
    "json_ld_nodes",
    "json_text",
    "labelled_value",
    "location_from_address",
    "merge_skills",
    "parse_budget",
    "parse_count",
    "parse_datetime",
    "parse_duration_days",
    "parse_id",
    "parse_int",
    "parse_relative",
    "parse_status",
    "parse_work_type",
    "posting_skills",
    "redact_personal_data",
    "skills_from_field",
    "skills_in_text",
]
