"""Channels: where a saved search's messages go, sent through apprise (Slack, Telegram,
Discord, e-mail, ntfy, JSON webhooks... one URL scheme for all).

Each channel has an Apprise object of its own, so one channel that fails or hangs holds back
no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import apprise

from outsourcing_crawler.fingerprints import fingerprint

__all__ = ["Channel", "channel_problem"]


@dataclass(frozen=True)
class Channel:
    """A channel URL as written in the alerts file and with its references expanded."""

    written: str
    url: str

    @property
    def key(self) -> str:
        """What the database knows the channel by: a digest of the URL as written, so that
        no secret is stored and a rotated one keeps the channel's deliveries."""
        return fingerprint(self.written)

    @cached_property
    def _notifier(self) -> apprise.Apprise:
        notifier = apprise.Apprise()
        notifier.add(self.url)
        return notifier

    @property
    def masked(self) -> str:
        """The URL for people: apprise hides its secrets."""
        plugin = apprise.Apprise.instantiate(self.url)
        return plugin.url(privacy=True) if plugin is not None else self.written

    async def send(self, title: str, body: str, time_limit: float) -> str | None:
        """Send one message; None once the channel took it, else why it did not."""
        try:
            result = await self._notifier.async_notify(
                body=body, title=title, body_format=apprise.NotifyFormat.TEXT, timeout=time_limit
            )
        except Exception as exc:  # a channel's failure must not stop the others
            return f"{type(exc).__name__}: {exc}"
        with result:
            if result:
                return None
            complaints = [entry.message for entry in result.logs() if entry.level != "DEBUG"]
            return complaints[-1] if complaints else result.status.name.lower()


def channel_problem(channel: Channel) -> str | None:
    """Why apprise cannot send to this URL, or None."""
    if apprise.Apprise.instantiate(channel.url) is None:
        return "not a channel URL apprise can send to (see its URL formats)"
    return None
