"""`b2bmail` commands: preview."""

from __future__ import annotations
