"""Feed exporters: ISO 8601 datetimes everywhere, and a CSV that spreadsheets read right.

JSON and JSON lines need nothing beyond Scrapy's own exporters with ``FEED_EXPORT_ENCODING =
"utf-8"`` (Korean text as it is, datetimes through ``isoformat()``). CSV needs this module:
one cell per field, so ``skills`` is joined with ``", "`` and ``extra`` is JSON text (any other
nested value too: never a Python repr), and the file starts with a UTF-8 byte order mark so
that Excel opens the Korean intact.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, Any

from scrapy.exporters import CsvItemExporter
from scrapy.utils.serialize import ScrapyJSONEncoder


class CsvExporter(CsvItemExporter):
    def __init__(self, file: IO[bytes], **kwargs: Any) -> None:
        if kwargs.get("encoding") in (None, "utf-8", "utf8"):
            kwargs["encoding"] = "utf-8-sig"
        kwargs.setdefault("join_multivalued", ", ")
        super().__init__(file, **kwargs)

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict) or (
            isinstance(value, list | tuple) and not all(isinstance(v, str) for v in value)
        ):
            # The JSON feeds' encoder, so a datetime inside `extra` is ISO text here too.
            return json.dumps(value, ensure_ascii=False, sort_keys=True, cls=ScrapyJSONEncoder)
        return super().serialize_field(field, name, value)
