"""Scrapy extensions (settings ``EXTENSIONS``): what a crawl keeps beside its items."""
