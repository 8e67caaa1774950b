"""Saved searches and alerts: new matching postings pushed to people's channels, once.

``config`` reads the alerts file, ``matching`` says whether a posting matches a search,
``messages`` writes what people get, ``channels`` sends it through apprise, and
``dispatcher`` ties them to the database's delivery records.
"""

from outsourcing_crawler.alerts.config import AlertsFileError, SavedSearch, load_searches
from outsourcing_crawler.alerts.dispatcher import (
    Dispatcher,
    DispatchOptions,
    preview,
    send_sample,
)
from outsourcing_crawler.alerts.matching import matches

__all__ = [
    "AlertsFileError",
    "DispatchOptions",
    "Dispatcher",
    "SavedSearch",
    "load_searches",
    "matches",
    "preview",
    "send_sample",
]
