"""b2bmail: build, lint and audit B2B email campaigns.

The root package holds `__version__` only and imports nothing: every module may import it.
The packages and what may import what: ARCHITECTURE.md (checked by tests/test_boundaries.py).
"""

__version__ = "0.2.0"
