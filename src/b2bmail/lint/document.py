"""The document every rule reads: parsed once, walked once, with lazily cached facts.

A `Document` holds the HTML source and its lxml tree, the elements indexed by tag (one walk),
the comments holding inline disable directives, the `<!--[if !mso]>` regions, and, for a
message, its subject, preheader, text part and headers (`lint.core`). Computed facts (inline
styles, visible text, the hidden preheader, Outlook visibility, positions) are computed on
first use and cached, so rules share work; each family of them has its own module.

The facts are mixins of one class, not objects a `Document` holds: rules keep reading
`document.visible_text`, and a fact, once computed, is a plain attribute of the instance (its
`__dict__`), read as fast as before the split; a delegating property per fact would cost a
Python call on each of the many thousand reads a lint makes.

The core lives in `lint.core`, not here: the facts build on it, and this module builds on
them, so `document` -> `facts` -> `core` runs one way (tests/test_boundaries.py). Each fact
class declares what it reads by subclassing the one it needs (text and Outlook facts read the
parsed styles), so mypy checks every attribute a fact uses.
"""

from __future__ import annotations

from b2bmail.lint.core import (
    MAX_HTML_BYTES,
    Element,
    HeaderField,
    estimate_encoded_size,
    qp_size_bound,
)
from b2bmail.lint.facts.outlook import OutlookFacts
from b2bmail.lint.facts.text import TextFacts, count_words, squash_spaces, text_content
from b2bmail.lint.positions import Positions

__all__ = [
    "MAX_HTML_BYTES",
    "Document",
    "Element",
    "HeaderField",
    "count_words",
    "estimate_encoded_size",
    "qp_size_bound",
    "squash_spaces",
    "text_content",
]


class Document(TextFacts, OutlookFacts, Positions):
    """An email parsed once. `lint.sources` builds one from a file, a message or parts.

    core (`lint.core`): path, source, data, root, headers…, `elements()`, `tags`, `body`,
    `memo()`, the encoded size; styles (`lint.facts.styles`): `inline_styles`, `style()`,
    `styles_by_property`, `stylesheets`…; text (`lint.facts.text`): `visible_text`, `words`,
    `preheader`, `hidden_elements`…; Outlook (`lint.facts.outlook`): `hidden_from_outlook()`,
    `has_mso_fallback()`; positions (`lint.positions`): `hit()`, `hit_at()`, `hit_header()`…
    """
