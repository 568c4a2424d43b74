"""Text from DNS made safe for a terminal report.

TXT records and host names are chosen by whoever runs the domain: a record holding ESC
sequences or line breaks could recolour the terminal or print a fake report line (say, a
"[   PASS]" checklist item). Text reports escape them the way Python's ascii() does.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """`text` with each control character or line separator written as its escape (\\x1b)."""
    return _CONTROLS.sub(lambda m: ascii(m.group())[1:-1], text)
