"""Crawl health: Spidermon monitors that judge every crawl at its close.

Each crawl is compared with the spider's earlier crawls (``crawl_runs``, which
:mod:`.extension` loads when the crawl opens): postings seen, field coverage, parse errors,
blocks, repeating pages and the finish reason. :mod:`.suite` runs the checks and records the
verdict, a state (ok, degraded, broken, or unknown for a crawl that says nothing of the site)
with its findings, in the crawl's stats and its ``crawl_runs`` row (:mod:`.record`).
"""
