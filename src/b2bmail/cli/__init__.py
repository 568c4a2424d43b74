"""Command line: Click only. Each command module registers its commands on `main`.

The modules are imported on demand (see `COMMAND_MODULES` in `b2bmail.cli.app`).
"""

from b2bmail.cli.app import main

__all__ = ["main"]
