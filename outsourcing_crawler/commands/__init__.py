"""Project commands (``COMMANDS_MODULE``): ``crawl`` with a meaningful exit status,
``crawlall``, ``report`` and ``migrate``; each handles its arguments and hands the work over."""
