"""`b2bmail` commands: audit."""

from __future__ import annotations
