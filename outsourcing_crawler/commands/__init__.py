"""Project commands (``COMMANDS_MODULE``): ``crawl`` with a meaningful exit status, ``migrate``."""

# A crawl that ended for one of these reasons did its job; any other reason is a failure.
SUCCESS_REASONS = frozenset({"finished"})


def crawl_succeeded(reason: str | None) -> bool:
    """Whether a finish reason means success (a `CLOSESPIDER_*` limit counts as success)."""
    return reason in SUCCESS_REASONS or (reason or "").startswith("closespider_")
