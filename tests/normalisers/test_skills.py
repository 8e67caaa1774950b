"""Skill vocabulary, skill fields and skills in free text."""

from __future__ import annotations

import json
import timeit
import tomllib
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import pytest

from outsourcing_crawler.normalisers import (
    canonical_skill,
    merge_skills,
    skills_from_field,
    skills_in_text,
)
from outsourcing_crawler.normalisers import skills as skills_module

SAMPLES = Path("/work/shared/platforms/samples")


def _raw_vocabulary() -> dict:
    text = resources.files("outsourcing_crawler.normalisers").joinpath("skills.toml").read_text()
    return tomllib.loads(text)


def test_vocabulary_is_large_and_consistent() -> None:
    raw = _raw_vocabulary()
    skills = raw["skills"]
    assert len(skills) >= 170
    owners: dict[str, str] = {}
    for name, entry in skills.items():
        assert set(entry) <= {"aliases", "prose", "field_only", "exact"}, name
        spellings = [name, *entry["aliases"]]
        assert set(entry.get("field_only", [])) <= set(entry["aliases"]), name
        assert set(entry.get("exact", [])) <= set(spellings), name
        for spelling in spellings:
            key = " ".join(spelling.split()).lower()
            # one spelling, one skill
            assert owners.setdefault(key, name) == name, (spelling, owners[key], name)
    for word in raw["non_skills"]:
        assert " ".join(word.split()).lower() not in owners, word


def test_prose_spellings_are_unambiguous() -> None:
    vocabulary = skills_module._vocabulary()
    raw = _raw_vocabulary()
    for name, entry in raw["skills"].items():
        field_only = set(entry.get("field_only", []))
        prose = [alias for alias in entry["aliases"] if alias not in field_only]
        if entry.get("prose", True):
            prose.append(name)
        for spelling in prose:
            assert vocabulary.prose_names[skills_module._prose_key(spelling)] == name, spelling


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("React", "React"),
        ("리액트", "React"),
        ("React.js", "React"),
        ("ReactJS", "React"),
        ("react js", "React"),
        ("REACT", "React"),
        ("파이썬", "Python"),
        ("스프링부트", "Spring Boot"),
        ("스프링 부트", "Spring Boot"),
        ("springboot", "Spring Boot"),
        ("Spring-Boot", "Spring Boot"),
        ("자바스크립트", "JavaScript"),
        ("JS", "JavaScript"),
        ("자바", "Java"),
        ("Vue", "Vue.js"),
        ("뷰", "Vue.js"),
        ("VueJS", "Vue.js"),
        ("AOS", "Android"),
        ("안드로이드", "Android"),
        ("iOS", "iOS"),
        ("아이폰", "iOS"),
        ("Node", "Node.js"),
        ("NodeJS", "Node.js"),
        ("Node JS", "Node.js"),
        ("노드", "Node.js"),
        ("C#", "C#"),
        ("C++", "C++"),
        (".NET", ".NET"),
        (".Net", ".NET"),
        ("닷넷", ".NET"),
        ("ASP.NET", "ASP.NET"),
        ("MSSQL", "MSSQL"),
        ("MS-SQL", "MSSQL"),
        ("SQL Server", "MSSQL"),
        ("Windows Server", "Windows Server"),
        ("Go", "Go"),
        ("Golang", "Go"),
        ("C", "C"),
        ("R", "R"),
        ("피그마", "Figma"),
        ("플러터", "Flutter"),
        ("코틀린", "Kotlin"),
        ("스위프트", "Swift"),
        ("아마존 웹 서비스", "AWS"),
        ("Databricks", "Databricks"),
        ("Databricks · 경력 무관", "Databricks"),
        ("유니티", "Unity"),
        ("워드프레스", "WordPress"),
        ("PHP", "PHP"),
        ("Laravel", "Laravel"),
        ("장고", "Django"),
        ("FastAPI", "FastAPI"),
        ("타입스크립트", "TypeScript"),
        ("TS", "TypeScript"),
        ("NextJS", "Next.js"),
        ("Postgres", "PostgreSQL"),
        ("포스트그레스", "PostgreSQL"),
        ("MySQL", "MySQL"),
        ("오라클", "Oracle"),
        ("리액트 네이티브", "React Native"),
        ("RN", "React Native"),
        ("Supabase", "Supabase"),
        # qualifiers, list bullets and generic suffixes
        ("#React", "React"),
        ("- Python", "Python"),
        ("Java 개발", "Java"),
        ("C# Programming", "C#"),
        ("C Programming", "C"),
        ("Machine Learning (ML)", "Machine Learning"),
        ("Amazon Web Services", "AWS"),
        ("Unity 3D", "Unity"),
        ("iPhone", "iOS"),
        # non-skills
        ("제안요청", None),
        ("기타", None),
        ("협의", None),
        ("무관", None),
        ("경력 무관", None),
        ("etc", None),
        ("etc.", None),
        # roles and kinds of work are no technologies
        ("backend", None),
        ("Frontend", None),
        ("front-end", None),
        ("백엔드", None),
        ("유지보수", None),
        ("backend developer", None),
        ("프론트엔드 개발", None),
        # choices of intake forms offered beside the technologies
        ("잘 모르겠어요", None),
        ("협의 후 결정", None),
        ("상의 후 결정", None),
        ("개발사 추천", None),
        ("예", None),
        ("아니오", None),
        ("없음", None),
        # unknown but plausible: kept as published
        ("  Some   New Tool ", "Some New Tool"),
        ("Some Tool development", "Some Tool development"),
        # nothing usable
        ("", None),
        ("   ", None),
        (None, None),
        ("1234", None),
        ("x" * 60, None),
    ],
)
def test_canonical_skill(name: str | None, expected: str | None) -> None:
    assert canonical_skill(name) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("Vue,AOS,iOS", ["Vue.js", "Android", "iOS"]),
        (
            "Vue, AOS, iOS, Supabase, backend, 유지보수",
            ["Vue.js", "Android", "iOS", "Supabase"],
        ),
        (["리액트", "잘 모르겠어요", "개발사 추천"], ["React"]),
        ("제안요청", []),
        ("", []),
        (None, []),
        (
            ["ASP.NET", "C#", "MSSQL", ".Net", "Windows Server"],
            ["ASP.NET", "C#", "MSSQL", ".NET", "Windows Server"],
        ),
        (["Databricks · 경력 무관"], ["Databricks"]),
        ("Databricks · 경력 무관", ["Databricks"]),
        ("React · Vue", ["React", "Vue.js"]),
        ("Java/Spring", ["Java", "Spring"]),
        ("C/C++", ["C", "C++"]),
        ("UI/UX", ["UI/UX"]),
        ("CI/CD", ["CI/CD"]),
        ("자바·스프링\nReact", ["Java", "Spring", "React"]),
        ("Go, R, C", ["Go", "R", "C"]),
        ("React, react, React.js, 리액트", ["React"]),
        ("Python; 기타; etc", ["Python"]),
        (["React", None, 3, "", "Vue"], ["React", "Vue.js"]),
        (("Node", "Express"), ["Node.js", "Express.js"]),
    ],
)
def test_skills_from_field(values: str | Iterable[str] | None, expected: list[str]) -> None:
    assert skills_from_field(values) == expected


def test_skills_from_real_freemoa_rows() -> None:
    rows = json.loads((SAMPLES / "freemoa_list_rows.json").read_text(encoding="utf-8"))["rows"]
    by_id = {row["proj_idx"]: row for row in rows}
    assert skills_from_field(by_id["47597"]["proj_language"]) == []
    assert skills_from_field(by_id["47599"]["proj_language"]) == []
    assert skills_from_field(by_id["48501"]["proj_language"])[:4] == [
        "Vue.js",
        "Android",
        "iOS",
        "Supabase",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("React와 Node.js로 개발", ["React", "Node.js"]),
        ("JavaScript 개발자", ["JavaScript"]),
        ("자바스크립트 개발자", ["JavaScript"]),
        ("Java와 Spring Boot", ["Java", "Spring Boot"]),
        ("React Native 앱", ["React Native"]),
        ("ReactNative, React-Native", ["React Native"]),
        ("Spring Boot 기반", ["Spring Boot"]),
        ("파이썬으로 작성", ["Python"]),
        ("리액트를 사용", ["React"]),
        ("자바와 코틀린", ["Java", "Kotlin"]),
        ("파이썬기반 크롤러", ["Python", "Web Scraping"]),
        ("C#, C++, .NET 기반", ["C#", "C++", ".NET"]),
        ("ASP.NET Core", ["ASP.NET"]),
        (".NET 기반 기능 수정 및 보안 개발", [".NET"]),
        ("Databricks 기반 데이터 플랫폼 구축 데이터 엔지니어", ["Databricks"]),
        ("Flutter 기반 프라이빗 프로젝트", ["Flutter"]),
        ("(React)", ["React"]),
        ("HTML/CSS", ["HTML", "CSS"]),
        ("Kubernetes(k8s)", ["Kubernetes"]),
        ("MySQL8, Angular2, Python3.11", ["MySQL", "Angular", "Python"]),
        ("Java17", ["Java"]),
        ("Node.js, node.js, NODE.JS", ["Node.js"]),
        ("Swift 5 and SwiftUI", ["Swift", "SwiftUI"]),
        ("JS와 TS", ["JavaScript", "TypeScript"]),
        ("Golang 개발, Go언어", ["Go"]),
        ("C언어와 C++", ["C", "C++"]),
        ("R Programming", ["R"]),
        ("Unity3D 게임, 유니티로", ["Unity"]),
        # never
        ("ReactJSX", []),
        ("자바스크립트", ["JavaScript"]),
        ("자바라", []),
        ("Go, C, R 개발", []),
        ("let's go", []),
        ("a swift response this spring", []),
        ("visit freemoa.net", []),
        ("js and ts in lowercase", []),
        ("", []),
        (None, []),
    ],
)
def test_skills_in_text(text: str | None, expected: list[str]) -> None:
    assert skills_in_text(text) == expected


def test_skills_in_text_real_bodies() -> None:
    rows = json.loads((SAMPLES / "freemoa_list_rows.json").read_text(encoding="utf-8"))["rows"]
    body = next(row["txt"] for row in rows if row["proj_idx"] == "48501")
    assert skills_in_text(body) == ["Supabase", "Naver Cloud"]


def _long_text() -> str:
    paragraph = (
        "※ 프로젝트 진행 방식\n- 기존 운영 중인 웹/앱 서비스의 기능 고도화 및 오류 개선입니다. "
        "백엔드는 Spring Boot와 JPA, 프론트엔드는 React와 TypeScript로 구성되어 있으며 "
        "AWS와 MySQL을 사용합니다. We are looking for a developer with Node.js, Docker "
        "and Kubernetes skills. 파이썬으로 작성된 데이터 파이프라인도 유지보수해 주셔야 합니다. "
    )
    return (paragraph * 20)[:4096]


def test_skills_in_text_is_fast() -> None:
    text = _long_text()
    skills_in_text(text)  # compile the vocabulary outside the timing
    best = min(timeit.repeat(lambda: skills_in_text(text), number=20, repeat=5)) / 20
    # well under 1 ms on an idle machine; the bound leaves room for a loaded CI runner
    assert best < 0.005


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ((["React", "Vue.js"], ["react", "Go"]), ["React", "Vue.js", "Go"]),
        ((["Python"], [], ["Python", "Django"]), ["Python", "Django"]),
        (("React", ["Vue.js"]), ["React", "Vue.js"]),
        ((None, ["Go"]), ["Go"]),
        (([" ", ""],), []),
        ((), []),
    ],
)
def test_merge_skills(lists: tuple, expected: list[str]) -> None:
    assert merge_skills(*lists) == expected


def test_posting_skills_puts_declared_skills_first() -> None:
    from outsourcing_crawler.normalisers import posting_skills

    assert posting_skills(
        ["Vue", "AOS"], "파이썬 백엔드와 리액트 프론트", None, "Vue 화면 수정"
    ) == ["Vue.js", "Android", "Python", "React"]
