"""`b2bmail` commands: recipients."""

from __future__ import annotations
