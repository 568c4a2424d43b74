"""`b2bmail` commands: sender authentication (check-sender)."""

from __future__ import annotations
