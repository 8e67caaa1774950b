"""The spiders of a cycle and their ``-a`` arguments, checked before any crawl starts."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import UsageError

from outsourcing_crawler.spiders.base import SpiderArgumentError

if TYPE_CHECKING:
    from scrapy import Spider


@dataclass(frozen=True)
class PlannedCrawl:
    """One spider of a cycle: its checked arguments, or why it cannot run."""

    spider: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def plan_crawls(
    spidercls_of: Callable[[str], type[Spider]], names: Sequence[str], spargs: Mapping[str, str]
) -> list[PlannedCrawl]:
    """Each spider with the ``-a`` arguments it declares, checked by the spider's own rules.

    ``spidercls_of`` is the spider loader's ``load``.
    """
    classes = {name: spidercls_of(name) for name in names}
    declared = {name: getattr(cls, "all_arguments", dict)() for name, cls in classes.items()}
    unknown = sorted(set(spargs) - {arg for args in declared.values() for arg in args})
    if unknown:
        raise UsageError(
            f"no spider among {', '.join(names)} takes the argument(s) {', '.join(unknown)}",
            print_help=False,
        )
    plan = []
    for name, spidercls in classes.items():
        kwargs = {arg: value for arg, value in spargs.items() if arg in declared[name]}
        try:
            for arg, value in kwargs.items():
                spidercls._check_argument(arg, value)
        except SpiderArgumentError as exc:
            plan.append(PlannedCrawl(name, kwargs, str(exc)))
        else:
            plan.append(PlannedCrawl(name, kwargs))
    return plan
