"""Realistic copies and look-alikes of a posting, for the grouping evaluation set and benchmark.

A posting here is a dict of ``ProjectItem`` fields as a feed exports them. The positive edits
are what clients do when they post one project again: reword it, move its sections, change
the budget, write a skill in the other language, or copy it to another platform, where it
takes that platform's layout. The negative constructions are what must never be grouped: one
client's different projects (the same introduction), an agency's template filled with
different projects, and a generic title over different work.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from random import Random
from typing import Any, Final

Posting = dict[str, Any]

KOREAN_PLATFORMS: Final = ("kmong", "wishket", "freemoa", "elancer")
ENGLISH_PLATFORMS: Final = ("freelancer", "guru", "upwork")
_SKILLS_TOML: Final = (
    Path(__file__).parents[2] / "outsourcing_crawler" / "normalisers" / "skills.toml"
)
_HANGUL: Final = re.compile(r"[가-힣]")

# Interchangeable wordings: each group's members replace one another.
_KOREAN_WORDINGS: Final = (
    ("모십니다", "찾습니다", "구합니다"),
    ("원합니다", "희망합니다"),
    ("개발하려 합니다", "개발하고자 합니다", "개발하려고 합니다"),
    ("관리자 페이지", "어드민 페이지", "관리자페이지"),
    ("경험 우대", "경험자 우대", "경험 있으신 분 우대"),
    ("실무 경험", "실무 경력"),
    ("제공됩니다", "제공합니다", "드립니다"),
    ("협의하고 싶습니다", "협의하겠습니다", "협의 가능합니다"),
    ("필요합니다", "필요해요", "구합니다"),
    ("웹 서비스", "웹서비스"),
    ("모바일 앱", "모바일 애플리케이션", "모바일앱"),
    ("유지보수", "유지 보수"),
    ("및", "/", "와"),
    ("진행합니다", "진행할 예정입니다"),
    ("예정", "계획"),
)
_ENGLISH_WORDINGS: Final = (
    ("Looking for", "We need", "Seeking"),
    ("looking for", "searching for", "hiring"),
    ("build", "develop", "create"),
    ("fix", "repair", "resolve"),
    ("app", "application"),
    ("website", "site", "web site"),
    ("experience", "background"),
    ("must", "should"),
    ("We", "I"),
    ("our", "my"),
    ("Please", "Kindly"),
    ("about", "around", "roughly"),
)
_KOREAN_ADDITIONS: Final = (
    "재공고입니다. 이전 공고에 적합한 지원자가 없어 다시 올립니다.",
    "빠른 착수가 가능하신 분을 우선 검토하겠습니다.",
    "비슷한 작업 포트폴리오를 함께 보내주세요.",
    "일정은 협의 가능합니다.",
    "미팅은 온라인으로 진행합니다.",
    "궁금한 점은 메시지로 문의 주세요.",
)
_ENGLISH_ADDITIONS: Final = (
    "Reposting: still looking for the right person.",
    "Please include links to similar work.",
    "Start as soon as possible.",
    "Budget is flexible for the right freelancer.",
    "Happy to answer questions in chat.",
)
_KOREAN_TITLE_EDITS: Final = ("[재공고] ", "[급구] ", "(재등록) ", "[긴급] ")
_ENGLISH_TITLE_EDITS: Final = ("Urgent: ", "[Repost] ", "Need help: ", "ASAP - ")
# Work-arrangement labels each Korean platform writes at the head of a title.
_TITLE_LABELS: Final = {
    "kmong": {"상주": "[상주] ", "재택": "[재택] "},
    "wishket": {"상주": "[상주] ", "재택": "[재택] "},
    "freemoa": {"상주": "(기간제 상주) ", "재택": "(재택) "},
    "elancer": {"상주": "[상주] ", "재택": "[재택] "},
}
_LABEL: Final = re.compile(r"^\s*[\[(](?:기간제 |시간제 |반)?(상주|재택)[\])]\s*")
_HEADER: Final = re.compile(
    r"^\s*(?:\[([^\]]{2,20})\]|※\s*([^:]{2,20})$|■\s*(.{2,20})$|<(.{2,20})>)\s*$"
)
_BULLET: Final = re.compile(r"^\s*(?:[-•·*]|\d+[.)])\s*")

# How each platform's posting form lays out a section header and a list item.
_LAYOUTS: Final = {
    "kmong": ("{}", ""),
    "wishket": ("[{}]", "- "),
    "freemoa": ("※ {}", "- "),
    "elancer": ("■ {}", "· "),
}

# One client's introduction and conditions, shared by all of its projects.
CLIENTS: Final = (
    {
        "name": "한빛커머스",
        "head": "안녕하세요. 연 매출 300억 규모의 온라인 패션 커머스 (주)한빛커머스입니다.",
        "foot": "사내 개발팀(8명)과 슬랙으로 협업하며 주 1회 정기 미팅을 진행합니다.\n"
        "세금계산서 발행이 가능한 개인사업자 또는 법인만 지원 가능합니다.",
    },
    {
        "name": "메디웨이",
        "head": "메디웨이는 전국 40여 개 병원에 진료 예약 솔루션을 공급하는 "
        "헬스케어 스타트업입니다.",
        "foot": "판교 사무실에서 킥오프 미팅 1회 후 원격으로 진행합니다.\n"
        "보안 서약서 작성이 필요합니다.",
    },
    {
        "name": "그린물류",
        "head": "(주)그린물류 IT전략팀입니다. 수도권 물류센터 6곳을 운영하고 있습니다.",
        "foot": "검수는 현업 담당자와 함께 2주간 진행하며, 잔금은 검수 완료 후 지급합니다.",
    },
    {
        "name": "Northwind Labs",
        "head": "Northwind Labs is a 12-person product studio in Austin building tools for "
        "small retailers.",
        "foot": "We pay weekly through the platform and work in Slack, 9am-1pm CST overlap "
        "required.\nPlease start your proposal with the word 'pineapple'.",
    },
    {
        "name": "BrightPath",
        "head": "BrightPath runs online courses for 40,000 students across Europe.",
        "foot": "NDA required. Milestones are released after review by our CTO.",
    },
)

# Agencies that post every project into one long template.
AGENCIES: Final = (
    {
        "name": "코드웨이브",
        "title": "[코드웨이브] {title}",
        "body": "코드웨이브에서 아래 프로젝트를 함께할 프리랜서를 모집합니다.\n"
        "[회사 소개]\n"
        "코드웨이브는 2012년 설립 이후 금융, 커머스, 공공 분야에서 300건 이상의 SI/SM "
        "프로젝트를 수행한 IT 전문 기업입니다.\n"
        "[프로젝트 내용]\n{body}\n"
        "[근무 조건]\n"
        "- 계약 형태: 프리랜서 (월 단위 계약, 세금계산서 발행)\n"
        "- 근무 시간: 평일 09:00 ~ 18:00, 점심시간 12:00 ~ 13:00\n"
        "- 대금 지급: 매월 말일 기준 익월 10일 지급\n"
        "[지원 방법]\n"
        "- 이력서와 포트폴리오를 첨부하여 지원해 주세요.\n"
        "- 서류 검토 후 개별 연락 드리며, 인터뷰는 1회 진행됩니다.\n"
        "[유의 사항]\n"
        "- 중복 지원은 불가하며, 허위 경력 기재 시 계약이 해지될 수 있습니다.",
    },
    {
        "name": "넥스트아이티",
        "title": "{title} - 넥스트아이티",
        "body": "※ 넥스트아이티 프리랜서 모집 안내\n"
        "넥스트아이티는 대기업 및 금융권 고객사의 IT 프로젝트에 검증된 프리랜서를 연결하는 "
        "전문 에이전시입니다.\n"
        "※ 프로젝트 상세\n{body}\n"
        "※ 공통 조건\n"
        "- 투입 전 고객사 보안 교육 및 보안 서약서 작성\n"
        "- 4대 보험 미가입, 3.3% 원천징수 후 지급\n"
        "- 장비(노트북)는 개인 지참, 고객사 망 접속 시 VDI 사용\n"
        "※ 지원 시 참고\n"
        "- 최근 3년 이내 유사 프로젝트 경력을 중심으로 이력서를 작성해 주세요.\n"
        "- 넥스트아이티 담당 매니저가 평일 중 유선으로 연락드립니다.",
    },
    {
        "name": "PixelForge",
        "title": "{title} | PixelForge Agency",
        "body": "PixelForge Agency is hiring on behalf of one of our clients.\n"
        "About us: we are a remote-first agency with 60+ vetted contractors and have delivered "
        "over 400 projects for clients in the US, UK and Australia since 2015.\n"
        "The project:\n{body}\n"
        "What we offer:\n"
        "- Long-term collaboration and a steady pipeline of follow-up work\n"
        "- Weekly payments, milestone based, through the platform\n"
        "- A dedicated project manager and clear specifications\n"
        "How to apply:\n"
        "- Share two similar projects you delivered and your availability per week.\n"
        "- Applications without a portfolio will not be reviewed.",
    },
)

GENERIC_TITLES_KO: Final = (
    "웹사이트 유지보수",
    "홈페이지 유지보수",
    "쇼핑몰 유지보수 개발자 구합니다",
    "앱 개발",
    "홈페이지 리뉴얼",
    "웹 퍼블리싱",
)
GENERIC_TITLES_EN: Final = (
    "Website maintenance",
    "WordPress developer needed",
    "Mobile app development",
    "Fix bugs on my website",
    "Full stack developer",
)
# Short requests under a generic title: the same words, different work.
GENERIC_BODIES_KO: Final = (
    "기존 홈페이지 유지보수 해주실 분 찾습니다. 월 1~2회 수정 요청이 있을 예정입니다.",
    "병원 홈페이지 게시판 오류 수정과 팝업 추가 작업입니다.",
    "그누보드 기반 사이트의 회원가입 오류를 수정해 주세요.",
    "카페24 쇼핑몰 상세페이지 레이아웃이 모바일에서 깨집니다. 수정 부탁드립니다.",
    "워드프레스 사이트 속도 개선과 플러그인 업데이트가 필요합니다.",
    "학원 홈페이지에 수강 신청 폼을 추가하고 관리자에게 메일이 가도록 해주세요.",
    "회사 소개 페이지 문구와 이미지 교체, 채용 게시판 신설 작업입니다.",
    "아임웹으로 만든 사이트의 도메인 연결과 SSL 설정을 도와주세요.",
    "PHP 버전 업그레이드 후 관리자 로그인이 안 됩니다. 원인 파악과 수정이 필요합니다.",
    "매월 이벤트 배너 교체와 간단한 퍼블리싱 수정을 맡아주실 분을 찾습니다.",
)
GENERIC_BODIES_EN: Final = (
    "Need someone to maintain our company website, small edits once or twice a month.",
    "Our contact form stopped working after a plugin update. Please fix it.",
    "The mobile menu is broken on iPhone Safari and the footer overlaps the content.",
    "Update WordPress core and plugins, then check that nothing breaks.",
    "Add a newsletter signup popup connected to Mailchimp.",
    "Move the site from shared hosting to a VPS and set up SSL.",
    "Replace the images on the home page and add a testimonials section.",
    "The checkout page shows a 500 error for some customers. Find and fix the cause.",
)


def is_korean(posting: Posting) -> bool:
    return bool(_HANGUL.search(posting.get("title") or ""))


def _choose_other(rng: Random, options: tuple[str, ...], current: str) -> str:
    return rng.choice([option for option in options if option != current])


def _substitute(text: str, groups: tuple[tuple[str, ...], ...], rng: Random, rate: float) -> str:
    """Each wording of ``groups`` found in ``text`` replaced by another of its group, with
    probability ``rate`` per group."""
    for group in groups:
        found = [wording for wording in group if _wording(wording).search(text)]
        if found and rng.random() < rate:
            wording = found[0]
            text = _wording(wording).sub(_choose_other(rng, group, wording), text)
    return text


@cache
def _wording(wording: str) -> re.Pattern[str]:
    """A wording as a whole word (``I`` is no part of ``API``); Korean attaches particles."""
    if _HANGUL.search(wording):
        return re.compile(re.escape(wording))
    return re.compile(rf"(?<![A-Za-z]){re.escape(wording)}(?![A-Za-z])")


def _respace(text: str, rng: Random, rate: float) -> str:
    """Korean spacing is loose: join or split a few words the way people type them."""

    def edit(match: re.Match[str]) -> str:
        return "" if rng.random() < rate else match.group()

    return re.sub(r"(?<=[가-힣]) (?=[가-힣])", edit, text)


def _lines(posting: Posting) -> list[str]:
    return [line for line in (posting.get("description") or "").split("\n") if line.strip()]


def _with(posting: Posting, **changes: Any) -> Posting:
    return {**posting, **changes}


def reword(
    posting: Posting, rng: Random, *, strength: float = 0.5, drop_line: bool = True
) -> Posting:
    """The same posting written again: other wordings, a line dropped (unless not
    ``drop_line``: in a template the dropped line may be all that is left of the project) or
    added, another bullet style, a prefix on the title."""
    korean = is_korean(posting)
    groups = _KOREAN_WORDINGS if korean else _ENGLISH_WORDINGS
    lines = [_substitute(line, groups, rng, strength) for line in _lines(posting)]
    if korean:
        lines = [_respace(line, rng, strength / 5) for line in lines]
    if drop_line and len(lines) > 3 and rng.random() < strength:
        del lines[rng.randrange(1, len(lines))]
    if rng.random() < strength:
        additions = _KOREAN_ADDITIONS if korean else _ENGLISH_ADDITIONS
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(additions))
    if rng.random() < strength:
        bullet = rng.choice(("- ", "• ", "· ", "* "))
        lines = [_BULLET.sub(bullet, line) if _BULLET.match(line) else line for line in lines]
    title = _substitute(posting["title"], groups, rng, strength)
    if rng.random() < strength:
        edits = _KOREAN_TITLE_EDITS if korean else _ENGLISH_TITLE_EDITS
        title = rng.choice(edits) + title
    if rng.random() < strength:
        title = re.sub(r"\s*\([^()]*\)\s*$", "", title) or title
    return _with(posting, title=title, description="\n".join(lines) or None)


def _sections(lines: list[str]) -> list[list[str]]:
    sections: list[list[str]] = []
    for line in lines:
        if _HEADER.match(line) or not sections:
            sections.append([line])
        else:
            sections[-1].append(line)
    return sections


def reorder_sections(posting: Posting, rng: Random) -> Posting:
    """Sections in another order; a posting without headers gets its lines shuffled."""
    lines = _lines(posting)
    sections = _sections(lines)
    if len(sections) < 2:
        sections = [[line] for line in lines]
    if len(sections) >= 2:
        order = list(range(len(sections)))
        while order == sorted(order):
            rng.shuffle(order)
        sections = [sections[index] for index in order]
    return _with(posting, description="\n".join(line for part in sections for line in part))


def _round_amount(value: float, currency: str | None) -> int:
    step = 100_000 if currency == "KRW" else 10 if value >= 100 else 1
    return max(step, round(value / step) * step)


def change_budget(posting: Posting, rng: Random) -> Posting:
    """A new budget (10-50% up or down); the amounts written in the text follow."""
    low, high, currency = posting.get("budget_min"), posting.get("budget_max"), posting["currency"]
    if low is None and high is None:
        base = 5_000_000 if is_korean(posting) else 500
        currency = currency or ("KRW" if is_korean(posting) else "USD")
        return _with(posting, budget_min=base, budget_max=base, currency=currency)
    factor = rng.choice((0.6, 0.7, 0.8, 0.9, 1.1, 1.2, 1.3, 1.5))
    new_low = _round_amount(low * factor, currency) if low is not None else None
    new_high = _round_amount(high * factor, currency) if high is not None else None
    description = posting.get("description") or ""
    for old, new in ((low, new_low), (high, new_high)):
        if old is not None and new is not None and currency == "KRW" and old >= 10_000:
            description = description.replace(f"{old // 10_000:,}만", f"{new // 10_000:,}만")
    return _with(posting, budget_min=new_low, budget_max=new_high, description=description or None)


@cache
def _skill_spellings() -> dict[str, tuple[str, ...]]:
    """Canonical skill -> its other spellings a client may write (Korean first)."""
    raw = tomllib.loads(_SKILLS_TOML.read_text(encoding="utf-8"))["skills"]
    spellings: dict[str, tuple[str, ...]] = {}
    for name, entry in raw.items():
        field_only = set(entry.get("field_only", []))
        aliases = [
            alias
            for alias in entry.get("aliases", [])
            if alias not in field_only and not re.search(r"\d|Programming|Development", alias)
        ]
        korean = sorted((alias for alias in aliases if _HANGUL.search(alias)), key=len)
        latin = [alias for alias in aliases if not _HANGUL.search(alias)]
        if korean or latin:
            spellings[name] = (*korean, *latin)
    return spellings


def _swap_spelling(text: str, name: str, spelling: str) -> str:
    return re.sub(rf"(?<![A-Za-z0-9.]){re.escape(name)}(?![A-Za-z0-9])", spelling, text)


def translate_skills(posting: Posting, rng: Random) -> Posting:
    """Skill names written in the other language (``React`` as ``리액트``) or another
    spelling (``Node.js`` as ``NodeJS``), in the title, the text and the skill field."""
    korean = is_korean(posting)
    title, description = posting["title"], posting.get("description") or ""
    skills = list(posting.get("skills") or [])
    for name in sorted(set(skills), key=len, reverse=True):
        spellings = _skill_spellings().get(name)
        if not spellings:
            continue
        # English text spells a skill another Latin way ("NodeJS"): never as an acronym a
        # Korean team would use ("AOS"), nor as a longer name of a neighbouring tool
        # ("Android Studio").
        words = len(name.split())
        candidates = [
            s
            for s in spellings
            if (_HANGUL.search(s) if korean else re.search("[a-z]", s) and len(s.split()) <= words)
        ]
        if not candidates:
            continue
        spelling = candidates[0] if korean else rng.choice(candidates)
        title = _swap_spelling(title, name, spelling)
        description = _swap_spelling(description, name, spelling)
        skills = [spelling if skill == name else skill for skill in skills]
    return _with(posting, title=title, description=description or None, skills=skills)


def _header_text(line: str) -> str | None:
    match = _HEADER.match(line)
    if match:
        return next(group for group in match.groups() if group).strip()
    return None


def _relayout(lines: list[str], platform: str) -> list[str]:
    header, bullet = _LAYOUTS[platform]
    result = []
    for line in lines:
        text = _header_text(line)
        if text is not None:
            result.append(header.format(text))
        elif _BULLET.match(line):
            result.append(bullet + _BULLET.sub("", line))
        else:
            result.append(line)
    return result


def _relabel(title: str, platform: str) -> str:
    match = _LABEL.match(title)
    if match is None or platform not in _TITLE_LABELS:
        return title
    return _TITLE_LABELS[platform][match.group(1)] + title[match.end() :]


def cross_post(posting: Posting, platform: str, rng: Random) -> Posting:
    """The same project on another platform: that platform's layout and title labels, a
    lightly edited text, the budget as that platform shows it."""
    copy = reword(posting, rng, strength=0.3)
    lines = _lines(copy)
    if platform in _LAYOUTS:
        lines = _relayout(lines, platform)
    title = _relabel(copy["title"], platform)
    low, high = copy.get("budget_min"), copy.get("budget_max")
    if platform == "freemoa" and low is not None and low == high:
        low = _round_amount(low * 0.8, copy.get("currency"))
    copy.update(
        platform=platform,
        title=title,
        description="\n".join(lines) or None,
        budget_min=low,
        budget_max=high,
    )
    return copy


def with_client(posting: Posting, client: dict[str, str]) -> Posting:
    """The posting as written by ``client``: its introduction first, its conditions last."""
    body = "\n".join([client["head"], *_lines(posting), *client["foot"].split("\n")])
    return _with(posting, description=body)


def from_template(posting: Posting, agency: dict[str, str], rng: Random) -> Posting:
    """The posting in ``agency``'s template; only its title and its first lines remain its
    own, as agencies shorten the client's text."""
    lines = _lines(posting)
    keep = lines[: max(1, min(len(lines), rng.randint(2, 4)))]
    return _with(
        posting,
        title=agency["title"].format(title=posting["title"]),
        description=agency["body"].format(body="\n".join(keep)),
    )


def with_generic_title(posting: Posting, title: str, body: str | None, rng: Random) -> Posting:
    """A posting under a generic title. With ``body``, a small job of its own: that text,
    no declared skills, a small budget; without, the posting's own text under the title."""
    if body is None:
        return _with(posting, title=title)
    korean = is_korean(posting)
    amount = rng.choice((300_000, 500_000, 1_000_000)) if korean else rng.choice((50, 100, 200))
    return _with(
        posting,
        title=title,
        description=body,
        skills=[],
        budget_min=amount,
        budget_max=amount,
        currency="KRW" if korean else "USD",
        duration_days=None,
    )
