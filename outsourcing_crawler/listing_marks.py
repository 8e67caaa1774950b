"""How a spider marks what its list pages lead to, for incremental crawls.

The marks travel in request meta; ``outsourcing_crawler.incremental`` reads them. Spiders
set them through ``ProjectSpider.detail_request`` and ``ProjectSpider.next_list_page``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LISTING = "outsourcing_listing"
NEXT_PAGE = "outsourcing_next_page"
FULL_VALUES = ("1", "true", "yes")


@dataclass(frozen=True)
class ListingRef:
    """A posting as a list page showed it: its id and a fingerprint of the listing."""

    external_id: str
    listing_hash: str


def is_full_crawl(spider: Any) -> bool:
    """Whether the spider was run with ``-a full=1`` (fetch everything)."""
    return str(getattr(spider, "full", "0")).lower() in FULL_VALUES
