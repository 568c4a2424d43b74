"""b2bmail: build, lint and audit B2B email campaigns."""

__version__ = "0.1.0"
