"""The database layer stands on its own: it imports nothing of Scrapy."""

import subprocess
import sys


def test_the_database_layer_imports_no_scrapy() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, outsourcing_crawler.db.upsert, outsourcing_crawler.db.listings;"
            "print(*sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'itemadapter'}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.split() == []
