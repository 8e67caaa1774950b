"""Pure parsers for every text format the spiders meet; unparseable input gives None.

Each module has one job; everything public is re-exported here.
"""

from .counts import parse_count
from .dates import SEOUL, end_of_day, parse_datetime, parse_relative
from .durations import parse_duration_days
from .money import MAN_WON, Budget, budget_from_amounts, parse_budget
from .privacy import find_personal_data, redact_personal_data
from .skills import canonical_skill, merge_skills, skills_from_field, skills_in_text
from .text import clean_text, html_to_text, is_login_prompt, join_category
from .work_type import parse_work_type

__all__ = [
    "MAN_WON",
    "SEOUL",
    "Budget",
    "budget_from_amounts",
    "canonical_skill",
    "clean_text",
    "end_of_day",
    "find_personal_data",
    "html_to_text",
    "is_login_prompt",
    "join_category",
    "merge_skills",
    "parse_budget",
    "parse_count",
    "parse_datetime",
    "parse_duration_days",
    "parse_relative",
    "parse_work_type",
    "redact_personal_data",
    "skills_from_field",
    "skills_in_text",
]
