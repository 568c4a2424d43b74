"""The `preview` extra: websockets, with which b2bmail drives Chromium over DevTools.

The base install (build, lint, segment, audit) does not need it; `pip install 'b2bmail[preview]'`
adds it. Without it, `preview` and `serve` stop with one line saying so, never a traceback.
"""

from __future__ import annotations

import importlib.util

from b2bmail.errors import PreviewError
from b2bmail.i18n import _


def require_preview_extra() -> None:
    """Raise `PreviewError` with the install hint when websockets is not installed."""
    if importlib.util.find_spec("websockets") is None:
        raise PreviewError(
            _("preview and serve need the websockets package, which is not installed"),
            hint=_("install it with pip install 'b2bmail[preview]'"),
        )
