"""Channels: apprise sends to a real local webhook and a real local SMTP server."""

from __future__ import annotations

from scrapy.utils.defer import deferred_f_from_coro_f

from outsourcing_crawler.alerts.channels import Channel, channel_problem
from tests.alerts.receivers import free_port, mailbox, webhook


@deferred_f_from_coro_f
async def test_a_json_webhook_gets_the_title_and_body() -> None:
    with webhook() as hook:
        assert await Channel(hook.url, hook.url).send("새 공고 New", "본문\nbody", 10) is None
    assert [(m["title"], m["message"]) for m in hook.messages] == [("새 공고 New", "본문\nbody")]


@deferred_f_from_coro_f
async def test_an_email_gets_the_title_as_subject() -> None:
    with mailbox() as box:
        assert await Channel(box.url, box.url).send("새 공고 New", "본문\nbody", 10) is None
    (mail,) = box.messages
    assert mail["Subject"] == "새 공고 New"
    assert mail["To"] == "me@example.com"
    assert mail.get_content().strip().splitlines() == ["본문", "body"]


@deferred_f_from_coro_f
async def test_a_failure_says_why() -> None:
    with webhook([500]) as hook:
        error = await Channel(hook.url, hook.url).send("t", "b", 10)
    assert error is not None and "500" in error
    assert hook.messages == []
    closed = f"json://127.0.0.1:{free_port()}/hook"
    assert await Channel(closed, closed).send("t", "b", 10)


def test_urls_apprise_cannot_send_to() -> None:
    assert channel_problem(Channel("json://", "json://")) is not None
    assert channel_problem(Channel("nope://x", "nope://x")) is not None
    hook = "json://127.0.0.1:9/hook"
    assert channel_problem(Channel(hook, hook)) is None
