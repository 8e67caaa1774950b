"""Skill names: one canonical spelling per skill, from skill fields and from free text.

The vocabulary is data (``skills.toml``), loaded once on first use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

from .text import HANGUL, clean_text

__all__ = ["canonical_skill", "merge_skills", "skills_from_field", "skills_in_text"]

# Separators inside an alias also match their absence: "React Native", "React-Native".
_ALIAS_SEPARATORS: Final = re.compile(r"[\s\-_]+")
_SQUASH: Final = re.compile(r"[\s.\-_]+")

# What may follow a Korean alias in running text: an attached noun ("파이썬기반"), then a
# particle ("파이썬으로"), and then no further syllable ("자바스크립트" is not 자바).
_KOREAN_NOUNS: Final = (
    "기반|개발자|개발|프로그래밍|엔지니어|프레임워크|서버|환경|언어|버전|코드|경험|활용|사용|"
    "능력|숙련자|전문가|가능자|앱|웹"
)
_KOREAN_PARTICLES: Final = (
    "으로써|으로도|에서도|에서의|이라도|이나|이랑|이며|이고|으로|에서|에게|까지|부터|보다|과의|와의|"
    "로써|로도|은|는|이|가|을|를|의|에|로|와|과|도|만|랑|나|등|및"
)
_KOREAN_END: Final = rf"(?=(?:{_KOREAN_NOUNS})?(?:{_KOREAN_PARTICLES})?(?![가-힣]))"
# A name starts after a character that is neither a Latin letter, a digit nor Hangul (the
# text gets a leading space). Matching that character first is what makes the search fast:
# the regex engine skips every position inside a word without starting a match there.
_NAME_START: Final = r"[^a-z0-9가-힣]"
_ASCII_END: Final = r"(?![a-z0-9])"
# A name ending in a letter may carry a version number: "MySQL8", "Angular2", "PHP 8.2".
_VERSIONED_END: Final = r"(?=(?:\d+(?:\.\d+)*)?(?![a-z0-9]))"

_QUALIFIER: Final = re.compile(r"\s+[·ㆍ•]\s+")
_SLASH: Final = re.compile(r"\s*/\s*")
# No "\s*" around the separators: a pattern starting with "\s*" is quadratic on a long run
# of spaces. The parts are cleaned afterwards instead.
_FIELD_SPLIT: Final = re.compile(r"[,\n;|、，]|(?<!\s)[·ㆍ•](?!\s)")
# List bullets and stray punctuation around a name; "C#", "C++" and ".NET" keep theirs.
_EDGE_JUNK_START: Final = " #*•·-–—>\"'`[("
_EDGE_JUNK_END: Final = " ,;:.\"'`])"
_GENERIC_SUFFIX: Final = re.compile(
    r"\s*(?:\([^()]*\)|(?:programming|development|developer|framework|language|개발자|개발|"
    r"프로그래밍|프레임워크|언어))$",
    re.IGNORECASE,
)
_MAX_UNKNOWN_LENGTH: Final = 40
_MAX_UNKNOWN_WORDS: Final = 5


@dataclass(frozen=True)
class _Vocabulary:
    by_alias: dict[str, str]
    by_squashed: dict[str, str]
    non_skills: frozenset[str]
    prose_names: dict[str, str] = field(repr=False)  # prose key -> canonical
    # prose key -> a pattern finding one of its allowed spellings in the original text
    exact: dict[str, re.Pattern[str]] = field(repr=False)
    prose_pattern: re.Pattern[str] = field(repr=False)


def _alias_key(name: str) -> str:
    return " ".join(name.split()).lower()


def _squash_key(name: str) -> str:
    return _SQUASH.sub("", name.lower())


def _prose_key(name: str) -> str:
    return _ALIAS_SEPARATORS.sub("", name.lower())


class _Trie:
    """Prefix tree of alias spellings, turned into one regex without repeated prefixes."""

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.end: str | None = None  # right-boundary assertion when an alias ends here

    def add(self, spelling: str) -> None:
        node = self
        for token in re.findall(r"[\s\-_]+|.", spelling.lower()):
            key = " " if _ALIAS_SEPARATORS.fullmatch(token) else token
            node = node.children.setdefault(key, _Trie())
        last = spelling[-1]
        if HANGUL.fullmatch(last):
            node.end = _KOREAN_END
        else:
            node.end = _VERSIONED_END if last.isascii() and last.isalpha() else _ASCII_END

    def regex(self) -> str:
        branches = [
            (r"[\s\-_]*" if token == " " else re.escape(token)) + child.regex()
            for token, child in sorted(self.children.items())
        ]
        if self.end is not None:
            branches.append(self.end)  # last: a longer alias wins over its prefix
        return _alternation(branches)

    def root_regex(self, bucket_size: int = 12) -> str:
        """The regex of the whole tree, shaped for speed.

        Python's regex engine tries the branches of an alternation one by one, but skips a
        branch that starts with a non-matching literal or character class cheaply. A plain
        trie would try all ~150 first characters at every word start. Here the first
        characters are grouped into classes of ``bucket_size``; inside a class the second
        character picks the branch and a lookbehind confirms the first.
        """
        firsts = sorted(self.children)
        buckets = [firsts[i : i + bucket_size] for i in range(0, len(firsts), bucket_size)]
        return _alternation([self._bucket_regex(bucket) for bucket in buckets])

    def _bucket_regex(self, firsts: list[str]) -> str:
        by_second: dict[str, list[str]] = {}
        slow: list[str] = []  # branches that cannot start with a literal
        for first in firsts:
            node = self.children[first]
            for second, child in sorted(node.children.items()):
                if second == " ":
                    slow.append(rf"(?<={re.escape(first)})[\s\-_]*{child.regex()}")
                else:
                    check = rf"(?<={re.escape(first + second)})"
                    by_second.setdefault(second, []).append(check + child.regex())
            if node.end is not None:
                slow.append(rf"(?<={re.escape(first)}){node.end}")
        branches = [
            re.escape(second) + _alternation(alternatives)
            for second, alternatives in sorted(by_second.items())
        ]
        first_chars = "".join(re.escape(char) for char in firsts)
        return f"[{first_chars}]" + _alternation([*branches, *slow])


def _alternation(branches: list[str]) -> str:
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str) and item.strip()]


def _exact_pattern(spellings: Iterable[str]) -> re.Pattern[str]:
    # The spelling comes first and the boundary check after it: a pattern starting with a
    # literal is searched fast, one starting with a lookbehind is tried at every position.
    alternatives = "|".join(
        rf"{re.escape(spelling)}(?<![A-Za-z0-9].{{{len(spelling)}}})"
        for spelling in sorted(spellings, key=len, reverse=True)
    )
    return re.compile(rf"(?:{alternatives})(?![A-Za-z])")


@cache
def _vocabulary() -> _Vocabulary:
    raw = tomllib.loads(
        resources.files(__package__).joinpath("skills.toml").read_text(encoding="utf-8")
    )
    by_alias: dict[str, str] = {}
    squashed: dict[str, set[str]] = {}
    prose_names: dict[str, str] = {}
    exact: dict[str, set[str]] = {}
    trie = _Trie()
    for name, entry in raw.get("skills", {}).items():
        aliases = _strings(entry.get("aliases"))
        field_only = {_alias_key(alias) for alias in _strings(entry.get("field_only"))}
        for spelling in (name, *aliases):
            by_alias.setdefault(_alias_key(spelling), name)
            squashed.setdefault(_squash_key(spelling), set()).add(name)
        in_prose = [alias for alias in aliases if _alias_key(alias) not in field_only]
        if entry.get("prose", True):
            in_prose.insert(0, name)
        for spelling in in_prose:
            prose_names.setdefault(_prose_key(spelling), name)
            trie.add(spelling)
        for spelling in _strings(entry.get("exact")):
            exact.setdefault(_prose_key(spelling), set()).add(spelling)
    return _Vocabulary(
        by_alias=by_alias,
        # A squashed spelling shared by two skills is ambiguous and left out.
        by_squashed={key: next(iter(names)) for key, names in squashed.items() if len(names) == 1},
        non_skills=frozenset(_alias_key(word) for word in _strings(raw.get("non_skills"))),
        prose_names=prose_names,
        exact={key: _exact_pattern(spellings) for key, spellings in exact.items()},
        prose_pattern=re.compile(f"{_NAME_START}({trie.root_regex()})"),
    )


def _known(name: str) -> str | None:
    vocabulary = _vocabulary()
    return vocabulary.by_alias.get(_alias_key(name)) or vocabulary.by_squashed.get(
        _squash_key(name)
    )


def _is_non_skill(name: str) -> bool:
    return _alias_key(name) in _vocabulary().non_skills


def _tidy(name: str) -> str:
    return name.lstrip(_EDGE_JUNK_START).rstrip(_EDGE_JUNK_END)


def _plausible(name: str) -> bool:
    return (
        len(name) <= _MAX_UNKNOWN_LENGTH
        and len(name.split()) <= _MAX_UNKNOWN_WORDS
        and any(char.isalpha() for char in name)
    )


def canonical_skill(name: str | None) -> str | None:
    """The canonical spelling of a skill name (``"react js"`` -> ``"React"``).

    A qualifier after ``" · "`` is dropped; a known non-skill (``기타``, ``협의``) gives None;
    an unknown but plausible name is kept as published, cleaned.
    """
    cleaned = clean_text(name)
    if cleaned is None:
        return None
    cleaned = _QUALIFIER.split(cleaned, maxsplit=1)[0]
    known = _known(cleaned)
    if known:
        return known
    tidy = _tidy(cleaned)
    if not tidy or _is_non_skill(tidy) or _is_non_skill(cleaned):
        return None
    known = _known(tidy)
    if known:
        return known
    # "Java 개발", "C# Programming", "Machine Learning (ML)": the vocabulary name inside.
    stripped = _GENERIC_SUFFIX.sub("", tidy)
    if stripped and stripped != tidy:
        known = _known(stripped)
        if known:
            return known
        if _is_non_skill(stripped):  # "backend developer", "백엔드 개발"
            return None
    return tidy if _plausible(tidy) else None


def _recognised(piece: str) -> bool:
    cleaned = clean_text(piece)
    return cleaned is None or _known(cleaned) is not None or _is_non_skill(cleaned)


def _field_parts(text: str) -> list[str]:
    """Split one skill-field string into names."""
    parts: list[str] = []
    for raw_chunk in _FIELD_SPLIT.split(text):
        chunk = clean_text(raw_chunk)
        if chunk is None:
            continue
        # "/" and a spaced "·" separate only names the vocabulary knows: "Java/Spring" and
        # "React · Vue" are two skills, "UI/UX" is one, "Databricks · 경력 무관" is one.
        if _known(chunk) is None:
            for separator in (_QUALIFIER, _SLASH):
                pieces = separator.split(chunk)
                if len(pieces) > 1 and all(_recognised(piece) for piece in pieces):
                    parts.extend(pieces)
                    break
            else:
                parts.append(chunk)
        else:
            parts.append(chunk)
    return parts


def _unique(names: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        if not name:
            continue
        key = name.casefold()
        if key not in seen:
            seen.add(key)
            result.append(name)
    return result


def skills_from_field(values: str | Iterable[str] | None) -> list[str]:
    """Canonical skills from an explicit skill field: a list, or one string separated by
    commas, slashes, middle dots or newlines (``"Vue,AOS,iOS"``). No duplicates."""
    if isinstance(values, str):
        names: list[str] = _field_parts(values)
    elif isinstance(values, Iterable) and not isinstance(values, bytes | bytearray):
        names = [value for value in values if isinstance(value, str)]
    else:
        return []
    return _unique(canonical_skill(name) for name in names)


def skills_in_text(text: str | None) -> list[str]:
    """Vocabulary skills mentioned in free text, in order of first mention, no duplicates.

    Names must stand as words (``JavaScript`` never yields Java, ``자바스크립트`` never
    yields 자바); a Korean name may carry a particle (``파이썬으로``); the longest name wins
    (``React Native`` over ``React``). A name must follow a space, punctuation or the start
    of the text: a Latin name glued to a preceding Korean word (``최신React``) is missed.
    """
    if not isinstance(text, str) or not text:
        return []
    vocabulary = _vocabulary()
    found: list[str] = []
    # Lowercase once instead of matching case-insensitively: much faster. Each spelling is
    # looked up once however often it recurs.
    for matched in dict.fromkeys(vocabulary.prose_pattern.findall(" " + text.lower())):
        key = _prose_key(matched)
        name = vocabulary.prose_names.get(key)
        if name is None or name in found:
            continue
        # "Swift" the language, not "swift" the word: some spellings count only as written.
        exact = vocabulary.exact.get(key)
        if exact is not None and not exact.search(text):
            continue
        found.append(name)
    return found


def merge_skills(*lists: Iterable[str]) -> list[str]:
    """All skills of the given lists, in order of first appearance, no duplicates."""
    names: list[str] = []
    for values in lists:
        if isinstance(values, str):
            values = [values]
        elif not isinstance(values, Iterable):
            continue
        names.extend(cleaned for value in values if (cleaned := clean_text(value)))
    return _unique(names)


def posting_skills(declared: str | Iterable[str] | None, *texts: str | None) -> list[str]:
    """A posting's skills: its declared skill fields first, then those its texts (title,
    body) name, in order of first appearance, no duplicates."""
    return merge_skills(skills_from_field(declared), skills_in_text("\n".join(filter(None, texts))))
