"""The buying journey's vocabulary: the three stages, the words lists use for them, and the
one slug rule that matches a header or a cell to a known word.

Why a module of its own: the recipients area reads a list's `stage` column and the render
engine compiles one variant per stage, and neither may import the other (render is an engine
that never reads lists; see tests/test_boundaries.py). Both import this module, which imports
nothing of b2bmail.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

#: The buying journey, in order (INTERFACES.md: canonical recipient field `stage`).
JOURNEY_STAGES = ("awareness", "consideration", "decision")
#: Used when neither the segment nor the campaign names a default: the start of the journey.
FIRST_STAGE = JOURNEY_STAGES[0]

#: The French and English words seen for the stages in CRM exports, by slug.
STAGE_WORDS: Mapping[str, str] = {
    "awareness": "awareness",
    "decouverte": "awareness",
    "notoriete": "awareness",
    "consideration": "consideration",
    "evaluation": "consideration",
    "reflexion": "consideration",
    "decision": "decision",
    "achat": "decision",
}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """Lower-case ASCII slug: accents stripped, every run of other characters -> `_`."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub("_", ascii_text).strip("_")


def normalize_stage(value: object) -> str | None:
    """`Décision`, ` decision `, `Réflexion` -> the canonical stage; anything else -> None."""
    if not isinstance(value, str):
        return None
    if value in JOURNEY_STAGES:  # the reader already normalised it: the usual case
        return value
    slug = slugify(value)
    stage = STAGE_WORDS.get(slug, slug)
    return stage if stage in JOURNEY_STAGES else None
