"""Running every spider at once, once or on a schedule: ``scrapy crawlall [--every 10m]``.

:mod:`~outsourcing_crawler.collector.plan` checks each spider's arguments;
:mod:`~outsourcing_crawler.collector.cycle` starts one run of the planned spiders on a runner
and summarises how each did; :mod:`~outsourcing_crawler.collector.schedule` runs a cycle of the
spiders that are due on every slot of a period until it is stopped.
"""
