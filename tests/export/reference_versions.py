"""The test oracle for export.versions.matching_pairs: the tokens two versions share, as
difflib's SequenceMatcher finds them (ex src/b2bmail/export/versions.py, which called it).

Production finds the same blocks with a suffix automaton (linear, where SequenceMatcher is
quadratic in frequent tokens); a merge must not change when the search does."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from b2bmail.export.versions import Token


def reference_matching_pairs(a: Sequence[Token], b: Sequence[Token]) -> dict[int, int]:
    """Index in `a` -> index in `b` of every token SequenceMatcher's matching blocks hold."""
    # autojunk off: in a long HTML page, frequent tokens (`<td>`, spaces) are anchors too.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return {i + k: j + k for i, j, size in matcher.get_matching_blocks() for k in range(size)}
