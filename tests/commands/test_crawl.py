"""`scrapy crawl` and `scrapy list` as a user runs them."""

from tests.scrapy_run import replay, scrapy

SPIDERS = {"kmong", "wishket", "freemoa", "elancer", "freelancer", "guru", "upwork"}


def test_scrapy_list_names_every_platform() -> None:
    result = scrapy("list")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SPIDERS


def test_unreachable_database_stops_before_any_request_with_exit_status(tmp_path) -> None:
    result = replay(
        "crawl",
        "kmong",
        "-s",
        "DATABASE_URL=postgresql://crawler:s3cret-pass@127.0.0.1:1/outsourcing",
    )
    assert result.returncode == 1
    assert "127.0.0.1:1/outsourcing" in result.stderr
    assert "s3cret-pass" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert "'downloader/request_count'" not in result.stderr
    assert "'finish_reason': 'database_unavailable'" in result.stderr


def test_bad_argument_is_refused_by_name() -> None:
    result = scrapy("crawl", "kmong", "-a", "project_type=FREELANCE")
    assert result.returncode != 0
    assert "project_type" in result.stderr
    assert "OUTSOURCING" in result.stderr
    assert "Traceback" not in result.stderr
