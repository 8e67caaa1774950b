"""Saved searches and postings (as the ``projects`` table holds them) for the alerts tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from outsourcing_crawler.alerts.channels import Channel
from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.items import ProjectItem, item_dict

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


def search(name: str = "s", *urls: str, **criteria: Any) -> SavedSearch:
    channels = tuple(Channel(url, url) for url in urls or ("json://127.0.0.1:9/hook",))
    return SavedSearch(name=name, notify=channels, **criteria)


def posting(external_id: str = "1", **fields: Any) -> dict[str, Any]:
    """A posting's fields as a crawl yields them: the columns of a stored one."""
    values: dict[str, Any] = {
        "platform": "wishket",
        "external_id": external_id,
        "url": f"https://www.wishket.com/project/{external_id}/",
        "title": "React 예약 앱 개발",
        "description": "리액트와 Node.js로 예약 웹앱을 만듭니다.",
        "skills": ["React", "Node.js"],
        "budget_min": 5_000_000,
        "budget_max": 8_000_000,
        "currency": "KRW",
        "budget_type": "fixed",
        "work_type": "remote",
        "deadline": NOW + timedelta(days=10),
        "scraped_at": NOW,
    }
    values.update(fields)
    return item_dict(ProjectItem(**values))
