"""Command line: Click only. Each command module registers its commands on `main`.

Holds: app (the `main` group, the one boundary where a `B2bmailError` becomes one line and exit
2, the table of which module holds which command), options (options shared by several
commands) and one module per command family: build (build, init), lint (lint, rules),
segment, audit, sender (check-sender), preview (preview, serve).

The modules are imported on demand (see `COMMANDS` in `b2bmail.cli.app`). A command
module parses options, calls one library function and prints; options shared by several
commands live in `options.py`, and no command module imports another's.

May import anything in b2bmail; it is the only package that imports click
(tests/test_boundaries.py).
"""

from b2bmail.cli.app import main

__all__ = ["main"]
