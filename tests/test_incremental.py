"""Incremental crawls over the recordings: after 3 new postings appear on the first list page,
a crawl reads them and little else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from outsourcing_crawler.db.models import Project
from outsourcing_crawler.recordings import META_SUFFIX, save_recording
from tests.scrapy_run import RECORDINGS, scrapy
from tests.support import crawl_runs, database_session

NEW_IDS = (612400, 612401, 612402)


def with_new_postings(root: Path) -> Path:
    """A copy of the recordings where kmong's first list page starts with three new postings."""
    site = root / "recordings"
    shutil.copytree(RECORDINGS, site)
    folder = site / "kmong.com"
    meta_path = (
        folder / f"GET_api_custom-project_v1_requests_all_page-1_per_page-50.json{META_SUFFIX}"
    )
    meta = json.loads(meta_path.read_text())
    page = json.loads((folder / meta["body_file"]).read_text())
    template = page["requests"][0]
    detail_meta = next(
        json.loads(path.read_text()) for path in folder.glob(f"*{template['id']}*{META_SUFFIX}")
    )
    detail = json.loads((folder / detail_meta["body_file"]).read_text())
    fingerprinter = get_crawler().request_fingerprinter
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        **{
            name: values[0]
            for name, values in detail_meta["response"]["headers"].items()
            if name.lower() == "date"
        },
    }
    for number, new_id in enumerate(NEW_IDS):
        page["requests"].insert(0, {**template, "id": new_id, "title": f"신규 의뢰 {number}"})
        url = f"https://kmong.com/api/custom-project/v1/requests/{new_id}"
        body = json.dumps(
            {**detail, "id": new_id, "title": f"신규 의뢰 {number}"}, ensure_ascii=False
        )
        save_recording(
            site,
            Request(url),
            TextResponse(url, headers=headers, body=body.encode()),
            fingerprinter,
        )
    (folder / meta["body_file"]).write_text(json.dumps(page, ensure_ascii=False))
    return site


async def stored_ids(url: str) -> set[str]:
    async with database_session(url) as session:
        return set(await session.scalars(select(Project.external_id)))


@deferred_f_from_coro_f
async def test_three_new_postings_cost_three_detail_requests(
    sqlite_url: str, tmp_path: Path
) -> None:
    def crawl(site: Path) -> None:
        result = scrapy(
            "crawl", "kmong", "-s", f"REPLAY_FROM={site}", "-s", f"DATABASE_URL={sqlite_url}"
        )
        assert result.returncode == 0, result.stderr[-3000:]

    crawl(RECORDINGS)
    crawl(RECORDINGS)
    crawl(with_new_postings(tmp_path))
    first, unchanged, after_new = await crawl_runs(sqlite_url)
    assert after_new.inserted == len(NEW_IDS)
    assert {str(i) for i in NEW_IDS} <= await stored_ids(sqlite_url)
    # robots.txt, the first list page and the recorded 503 detail page (tried again, with
    # its three retries): no unchanged detail page is read again.
    assert unchanged.stats["downloader/request_count"] <= 2 + 4
    extra_requests = (
        after_new.stats["downloader/request_count"] - unchanged.stats["downloader/request_count"]
    )
    # The three detail pages, and the second list page: the first one had news.
    assert extra_requests <= len(NEW_IDS) + 1
    assert after_new.stats["outsourcing/incremental/details_skipped"] >= first.inserted - 1
