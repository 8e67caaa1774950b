"""The verdict of the health checks on one crawl, as it is stored and compared.

A crawl's record is ``{"state", "findings", "previous_state", "changed"}``. ``state`` is
``broken`` when a high-level check failed (the crawl ended badly, saw nothing), ``degraded``
when another did, ``ok`` when none did and ``unknown`` when none could judge (a crawl stopped
by hand). Each finding names its check, its severity and what was seen. ``changed`` says
whether the state differs from the spider's previous judged crawl: that, not every crawl, is
news worth an alert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spidermon import settings as spidermon_settings
from spidermon.results.monitor import MonitorResult

OK = "ok"
DEGRADED = "degraded"
BROKEN = "broken"
UNKNOWN = "unknown"

# Where the record goes in the crawl's stats; the state and the change also as plain values.
RECORD_STAT = "outsourcing/health/record"
STATE_STAT = "outsourcing/health/state"
CHANGED_STAT = "outsourcing/health/changed"

_STATUS = spidermon_settings.MONITOR.STATUS


def state_changed(previous: str | None, state: str) -> bool:
    """Whether ``state`` is news after ``previous`` (the spider's previous judged state).

    A spider never judged before counts as ``ok`` before; a crawl that could not be judged
    changes nothing.
    """
    return state != UNKNOWN and state != (previous or OK)


def previous_state(history: Iterable[Mapping[str, Any]]) -> str | None:
    """The state of the newest judged crawl among earlier crawls' stats (newest first)."""
    for stats in history:
        state = (stats.get(RECORD_STAT) or {}).get("state")
        if state not in (None, UNKNOWN):
            return state
    return None


def _failure_message(result: Any) -> str:
    if result.status == _STATUS.FAILURE:
        return str(result.reason)
    # A check that broke is reported by its exception's last line (the traceback is logged).
    return f"the check itself failed: {str(result.error).strip().splitlines()[-1]}"


def health_record(result: MonitorResult, previous: str | None) -> dict[str, Any]:
    """The record of a crawl from its monitors' result and the spider's previous state."""
    findings = [
        {
            "check": item.monitor.monitor_name,
            "severity": BROKEN
            if item.monitor.level == spidermon_settings.MONITOR.LEVEL.HIGH
            else DEGRADED,
            "message": _failure_message(item),
        }
        for item in result.monitor_results
        if item.status in spidermon_settings.MONITOR.STATUSES.ERROR
    ]
    if any(finding["severity"] == BROKEN for finding in findings):
        state = BROKEN
    elif findings:
        state = DEGRADED
    elif any(item.status != _STATUS.SKIPPED for item in result.monitor_results):
        state = OK
    else:
        state = UNKNOWN
    return {
        "state": state,
        "findings": findings,
        "previous_state": previous,
        "changed": state_changed(previous, state),
    }
