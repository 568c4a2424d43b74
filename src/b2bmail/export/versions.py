"""Several versions of one email (its template's logic read recipient values: a VAT rate by
country, a greeting by civility) as one template: the text they share written once, and
where they differ a `Choice` that the ESP's own conditional writes, on the contact's
`b2bmail_variant` attribute.

The versions are compiled emails (render.compile), so the merge is exact by construction:
each version's parts are its anchors (tokens every version has, in the same order, found by
difflib) and, between two anchors, its own stretch. `merge_versions` checks that resolving
the result for each key gives that version back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from b2bmail.render.merge import MergeField, MergeTemplate

#: The contact attribute (our field name) that says which version a contact gets.
VARIANT_FIELD = "b2bmail_variant"
# A tag, a run of whitespace, or the text between: the units two versions are aligned by.
_TOKEN = re.compile(r"(<[^>]*>|\s+)")

Token = str | MergeField


@dataclass(frozen=True)
class Choice:
    """Where versions differ: the parts of each version, grouped by identical parts. The
    last branch is the one for every key not named before (the ESP's `else`)."""

    branches: tuple[tuple[tuple[str, ...], tuple[Token, ...]], ...]


Part = str | MergeField | Choice


def _tokens(template: MergeTemplate) -> list[Token]:
    out: list[Token] = []
    for part in template.parts:
        if isinstance(part, str):
            out += [t for t in _TOKEN.split(part) if t]
        else:
            out.append(part)
    return out


def _joined(tokens: Sequence[Token]) -> tuple[Token, ...]:
    """Adjacent strings joined (a MergeTemplate's parts, as the compile writes them)."""
    out: list[Token] = []
    for token in tokens:
        if isinstance(token, str) and out and isinstance(out[-1], str):
            out[-1] += token
        else:
            out.append(token)
    return tuple(out)


def _choice(keys: Sequence[str], stretches: Sequence[Sequence[Token]]) -> Choice:
    groups: dict[tuple[Token, ...], list[str]] = {}
    for key, stretch in zip(keys, stretches, strict=True):
        groups.setdefault(_joined(stretch), []).append(key)
    branches = [(tuple(k), parts) for parts, k in groups.items()]
    # The largest group is the `else`: the fewest tests, the least repeated text.
    largest = max(range(len(branches)), key=lambda i: len(branches[i][0]))
    branches.append(branches.pop(largest))
    return Choice(tuple(branches))


def merge_versions(versions: Sequence[tuple[str, MergeTemplate]]) -> tuple[Part, ...]:
    """One template's versions (key, template) as shared parts and Choices."""
    keys = [key for key, _t in versions]
    sequences = [_tokens(t) for _k, t in versions]
    base, others = sequences[0], sequences[1:]
    maps: list[dict[int, int]] = []
    for other in others:
        # autojunk off: in a long HTML page, frequent tokens (`<td>`, spaces) are anchors too.
        matcher = SequenceMatcher(None, base, other, autojunk=False)
        maps.append(
            {a + k: b + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}
        )
    anchors = [i for i in range(len(base)) if all(i in m for m in maps)]
    out: list[Part] = []
    starts = [0] * len(sequences)
    for anchor in [*anchors, None]:
        ends = (
            [len(s) for s in sequences] if anchor is None else [anchor] + [m[anchor] for m in maps]
        )
        stretches = [s[a:b] for s, a, b in zip(sequences, starts, ends, strict=True)]
        if all(list(s) == list(stretches[0]) for s in stretches):
            out += stretches[0]
        else:
            out.append(_choice(keys, stretches))
        if anchor is not None:
            out.append(base[anchor])
            starts = [e + 1 for e in ends]
    merged = _parts(out)
    for key, template in versions:
        if _joined(resolve(merged, key)) != _joined(list(template.parts)):
            raise AssertionError(f"version {key} is not given back by its merge")  # a bug
    return merged


def _parts(parts: Sequence[Part]) -> tuple[Part, ...]:
    out: list[Part] = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return tuple(out)


def resolve(parts: Sequence[Part], key: str) -> list[Token]:
    """The parts of version `key`: each Choice replaced by its branch for that key."""
    out: list[Token] = []
    for part in parts:
        if isinstance(part, Choice):
            branch = next((p for k, p in part.branches if key in k), part.branches[-1][1])
            out += branch
        else:
            out.append(part)
    return out
