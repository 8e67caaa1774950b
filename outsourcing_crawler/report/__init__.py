"""``scrapy report``: the figures of the stored postings, and their renderings.

:mod:`~outsourcing_crawler.report.figures` queries them; :mod:`~outsourcing_crawler.report.text`
renders them for a terminal, :mod:`~outsourcing_crawler.report.data` as JSON-ready data, and
:mod:`~outsourcing_crawler.report.html` as one self-contained web page.
"""
