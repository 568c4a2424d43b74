"""`b2bmail` commands: build."""

from __future__ import annotations
