"""Command line: Click only. Each command module registers its commands on `main`."""

# Imported for their side effect: each module adds its commands to `main`.
from b2bmail.cli import audit, build, lint, preview, recipients, sender
from b2bmail.cli.app import main

__all__ = ["audit", "build", "lint", "main", "preview", "recipients", "sender"]
