"""A spider that asks for one URL given on the command line (``-a url=...``).

The reachability tests point it at addresses no project spider uses: a closed local port, an
unresolvable host.
"""

from collections.abc import AsyncIterator

import scrapy


class ProbeSpider(scrapy.Spider):
    name = "probe"
    url = ""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url)

    def parse(self, response: scrapy.http.Response) -> None:
        pass
