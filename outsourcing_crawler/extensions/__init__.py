"""Scrapy extensions: what a crawl does around its spiders and pipelines."""
