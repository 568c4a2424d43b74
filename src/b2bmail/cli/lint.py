"""`b2bmail` commands: lint."""

from __future__ import annotations
