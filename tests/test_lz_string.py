"""The lz-string encoder against the JavaScript original's outputs."""

import pytest

from outsourcing_crawler.lz_string import compress_to_base64


# Outputs of pieroxy's lz-string 1.5.0 (JavaScript), and `d` values seen in real wishket URLs.
@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("", "Q==="),
        ("Hello World!", "BIUwNmD2AEDqkCcwBMCEQ==="),
        ("srt=new&ecd=True", "M4JwLgvAdgpg7gMhgYwCYQCogK4yA==="),
        ("pt=task_based", "A4FwvCCGDODWD6AjGBTAJkA="),
        ("pt=task_based&ecd=True", "A4FwvCCGDODWD6AjGBTAJgMhQYzWAKgE4CuKQA=="),
        (
            "c=development&ff=web,pc,android,ios",
            "MYXgJgpgbhA2D2AHAthAdgFwGQDMcgHcIAjAGkWFIEM0wAneASzFMfgGcg==",
        ),
        ("srt=new&page=2&ecd=True", "M4JwLgvAdgpg7gMgA4EMDmMICYEwMYAmEAKiAK4xA==="),
        (
            "pt=term_based&s=데이터 엔지니어&srt=new&ecd=True",
            "A4FwvCCmBOC2D6AjAhgZ0gEwGSrIB2bAXccAZFgAkBXRwAcnAJpsBbRnacAO0gHctIBjDMAFWgFdIQA=",
        ),
        ("s=😀 emoji&srt=new", "M4XkvBuAB7AECmC2B7AVgSwGTAE4BcQDsYB3IA=="),
        (
            "ab" * 200 + "가나다라마바사" * 30,
            "IYI17SOrZ+6IcpqXrZj2u5/vQg4o0k8syiwABrAMhsBOmwH3bAJzsBQewGoG6m3OGWOu/XtwF8eg8WNEjhQid"
            "LlTZkmfOUKVi1UrW6d+7Ya3GeQA",
        ),
    ],
)
def test_lz_string_matches_the_javascript_original(text: str, encoded: str) -> None:
    assert compress_to_base64(text) == encoded
