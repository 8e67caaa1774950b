"""The spool keeps refused batches; a broken line loses only itself."""

from datetime import UTC, date, datetime, timedelta, timezone

from outsourcing_crawler.items import ProjectItem, item_dict
from outsourcing_crawler.spool import Spool

KST = timezone(timedelta(hours=9))


def row(n: int) -> dict:
    return {
        "platform": "kmong",
        "external_id": str(n),
        "title": f"앱 개발 {n}",
        "deadline": datetime(2026, 12, 5, 23, 59, 59, tzinfo=KST),
        "scraped_at": datetime(2026, 11, 29, 3, tzinfo=UTC),
        "posted_at": None,
        "skills": ["Flutter"],
        "extra": {"views": 3},
        "exchange_rate_date": date(2026, 10, 30),
    }


def test_rows_come_back_as_they_went_in(tmp_path) -> None:
    spool = Spool(tmp_path / "spool" / "kmong.jsonl")
    assert not spool
    spool.append([row(1), row(2)])
    spool.append([row(3)])
    assert spool
    rows, broken = spool.load()
    assert broken == 0
    assert rows == [row(1), row(2), row(3)]
    spool.remove()
    assert not spool


def test_a_cut_or_corrupt_line_loses_only_itself(tmp_path, caplog) -> None:
    spool = Spool(tmp_path / "kmong.jsonl")
    spool.append([row(1), row(2), row(3)])
    lines = spool.path.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"platform": "kmong", "external_id": "2", "tit\xff\n'
    lines.append(b"[1, 2]\n")
    lines.append(b'{"external_id": "9", "deadline": "not a date"}\n')
    lines.append(lines[2][:25])  # the process died while writing the last line
    spool.path.write_bytes(b"".join(lines))
    rows, broken = spool.load()
    assert [r["external_id"] for r in rows] == ["1", "3"]
    assert broken == 4
    assert "broken line 2" in caplog.text


def test_a_whole_item_comes_back_with_its_datetimes(tmp_path) -> None:
    item = item_dict(
        ProjectItem(
            platform="kmong",
            external_id="1",
            title="앱 개발",
            posted_at=datetime(2026, 11, 20, 9, 30, tzinfo=KST),
            deadline=datetime(2026, 12, 5, 23, 59, 59, tzinfo=KST),
            scraped_at=datetime(2026, 11, 29, 3, tzinfo=UTC),
        )
    )
    spool = Spool(tmp_path / "kmong.jsonl")
    spool.append([item])
    assert spool.load() == ([item], 0)
