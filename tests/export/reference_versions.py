"""The test oracle for export.versions: the merge of an email's versions as it was written
first (ex src/b2bmail/export/versions.py), with the tokens two versions share found by
difflib's SequenceMatcher and every stretch between two anchors compared.

Production finds the same blocks with a suffix automaton (linear, where SequenceMatcher is
quadratic in frequent tokens) and skips the empty stretches; its merge must be this one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from b2bmail.export.versions import Part, Token, _choice, _parts
from b2bmail.render.merge import MergeTemplate


def reference_matching_pairs(a: Sequence[Token], b: Sequence[Token]) -> dict[int, int]:
    """Index in `a` -> index in `b` of every token SequenceMatcher's matching blocks hold."""
    # autojunk off: in a long HTML page, frequent tokens (`<td>`, spaces) are anchors too.
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return {i + k: j + k for i, j, size in matcher.get_matching_blocks() for k in range(size)}


def reference_merge_versions(versions: Sequence[tuple[str, MergeTemplate]]) -> tuple[Part, ...]:
    """One template's versions as shared parts and Choices (no check that each comes back)."""
    keys = [key for key, _t in versions]
    sequences = [_reference_tokens(t) for _k, t in versions]
    base = sequences[0]
    maps = [reference_matching_pairs(base, other) for other in sequences[1:]]
    anchors = [i for i in range(len(base)) if all(i in m for m in maps)]
    # Each version cut at its anchors (-1 and its length as the ends): stretch k is what
    # lies between its cuts k and k + 1.
    cuts = [[-1, *anchors, len(base)]] + [
        [-1, *(m[i] for i in anchors), len(s)] for m, s in zip(maps, sequences[1:], strict=True)
    ]
    out: list[Part] = []
    for k in range(len(anchors) + 1):
        stretches = [s[c[k] + 1 : c[k + 1]] for s, c in zip(sequences, cuts, strict=True)]
        shared = len({tuple(stretch) for stretch in stretches}) == 1
        out += stretches[0] if shared else [_choice(keys, stretches)]
        if k < len(anchors):
            out.append(base[anchors[k]])
    return _parts(out)


def _reference_tokens(template: MergeTemplate) -> list[Token]:
    # A tag, a run of whitespace, or the text between (export.versions._TOKEN).
    out: list[Token] = []
    for part in template.parts:
        if isinstance(part, str):
            out += [t for t in re.split(r"(<[^>]*>|\s+)", part) if t]
        else:
            out.append(part)
    return out
