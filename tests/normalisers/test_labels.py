"""Values behind a label in running text."""

from __future__ import annotations

import pytest

from outsourcing_crawler.normalisers import Labelled, find_labelled, labelled_value

BODY = "[프로젝트 개요]\n- 근무형태 : 재택\n- 월 단가 : 550만원 (VAT 별도)\n- 예상 기간 : 6개월\n"


@pytest.mark.parametrize(
    ("text", "labels", "colon", "expected"),
    [
        (BODY, ["근무형태", "근무방식"], True, "재택"),
        # spaces inside a label are optional on either side
        (BODY, ["월단가"], True, "550만원 (VAT 별도)"),
        ("근무 방식 ： 상주", ["근무방식"], True, "상주"),
        (BODY, ["예상기간", "기간"], True, "6개월"),
        ("계약기간: 3개월 (연장 가능)", ["예상기간", "기간"], True, "3개월 (연장 가능)"),
        # the first label in the text wins, not the first label asked for
        ("기간 : 2개월\n근무형태 : 상주", ["근무형태", "기간"], True, "2개월"),
        # without a colon only where the caller allows it
        ("월 단가 500~600만원 (경력에 따라 협의)", ["월단가"], True, None),
        (
            "월 단가 500~600만원 (경력에 따라 협의)",
            ["월단가"],
            False,
            "500~600만원 (경력에 따라 협의)",
        ),
        ("프로젝트 기간 동안 주 1회 보고", ["기간"], True, None),
        ("조회 312", ["조회"], False, "312"),
        # a label with nothing behind it on its line reads the next line
        ("기간 :\n6개월", ["기간"], True, "6개월"),
        ("기간 :   ", ["기간"], True, None),
        ("", ["기간"], True, None),
        (None, ["기간"], True, None),
        (BODY, [], True, None),
    ],
)
def test_labelled_value(
    text: str | None, labels: list[str], colon: bool, expected: str | None
) -> None:
    assert labelled_value(text, labels, colon=colon) == expected


def test_find_labelled_names_the_label_as_asked() -> None:
    labels = ("월단가", "예상 금액", "총금액")
    assert find_labelled("- 예상금액 : 3,000만원", labels) == Labelled("예상 금액", "3,000만원")
    assert find_labelled("월 단가 : 650만원", labels) == Labelled("월단가", "650만원")
    # the longest label wins where two start at the same place
    assert find_labelled("월 단가 : 650만원", ["단가", "월단가"]) == Labelled("월단가", "650만원")
