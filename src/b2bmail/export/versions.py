"""Several versions of one email (its template's logic read recipient values: a VAT rate by
country, a greeting by civility) as one template: the text they share written once, and
where they differ a `Choice` that the ESP's own conditional writes, on the contact's
`b2bmail_variant` attribute.

The versions are compiled emails (render.compile), so the merge is exact by construction:
each version's parts are its anchors (tokens every version has, in the same order, found as
difflib's SequenceMatcher finds them) and, between two anchors, its own stretch.
`merge_versions` checks that resolving the result for each key gives that version back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    maps = [matching_pairs(base, other) for other in others]
    anchors = sorted(set(maps[0]).intersection(*maps[1:])) if maps else range(len(base))
    out: list[Part] = []
    starts = [0] * len(sequences)
    for anchor in [*anchors, None]:
        ends = (
            [len(s) for s in sequences] if anchor is None else [anchor] + [m[anchor] for m in maps]
        )
        # Most anchors follow the previous one in every version: no stretch between.
        if ends != starts:
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


def matching_pairs(a: Sequence[Token], b: Sequence[Token]) -> dict[int, int]:
    """The tokens of `a` matched in `b` (index in a -> index in b): exactly the matching
    blocks of difflib's `SequenceMatcher(None, a, b, autojunk=False)` (autojunk off: in a long
    HTML page, frequent tokens such as `<td>` and spaces are anchors too). As it does: the
    longest block the two ranges share (ties: the earliest in `a`, then in `b`), then the
    same on each side of it. SequenceMatcher's search for that block visits every pair of
    equal tokens, quadratic in the frequent ones; _longest_match finds the same block in
    linear time (tests/export/reference_versions.py keeps difflib's as the reference)."""
    ids: dict[Token, int] = {}  # equal tokens, one int: cheap to hash (a MergeField is not)
    xs = [ids.setdefault(t, len(ids)) for t in a]
    ys = [ids.setdefault(t, len(ids)) for t in b]
    out: dict[int, int] = {}
    ranges = [(0, len(xs), 0, len(ys))]
    while ranges:
        alo, ahi, blo, bhi = ranges.pop()
        i, j, size = _longest_match(xs, ys, alo, ahi, blo, bhi)
        if size:
            out.update((i + k, j + k) for k in range(size))
            if alo < i and blo < j:
                ranges.append((alo, i, blo, j))
            if i + size < ahi and j + size < bhi:
                ranges.append((i + size, ahi, j + size, bhi))
    return out


def _longest_match(
    a: Sequence[int], b: Sequence[int], alo: int, ahi: int, blo: int, bhi: int
) -> tuple[int, int, int]:
    """The longest block a[alo:ahi] and b[blo:bhi] share, as SequenceMatcher's
    find_longest_match with no junk gives it: (i, j, size), the one that ends first in `a`,
    then first in `b`; (alo, blo, 0) when none. A suffix automaton of b[blo:bhi] (each state:
    the substrings of b with the same end positions, `first` the earliest end) read along `a`
    gives, at each end i, the longest block ending there and where it first ends in `b`."""
    step: list[dict[int, int]] = [{}]
    link, length, first = [-1], [0], [-1]
    last = 0
    for pos in range(blo, bhi):
        c = b[pos]
        cur = len(length)
        step.append({})
        length.append(length[last] + 1)
        link.append(0)
        first.append(pos)
        p = last
        while p != -1 and c not in step[p]:
            step[p][c] = cur
            p = link[p]
        if p != -1:
            q = step[p][c]
            if length[p] + 1 == length[q]:
                link[cur] = q
            else:
                clone = len(length)
                step.append(dict(step[q]))
                length.append(length[p] + 1)
                link.append(link[q])
                first.append(first[q])
                while p != -1 and step[p].get(c) == q:
                    step[p][c] = clone
                    p = link[p]
                link[q] = link[cur] = clone
        last = cur
    state = matched = best = 0
    besti, bestj = alo, blo
    for i in range(alo, ahi):
        c = a[i]
        while state and c not in step[state]:
            state = link[state]
            matched = length[state]
        following = step[state].get(c)
        if following is None:
            matched = 0
            continue
        state, matched = following, matched + 1
        if matched > best:  # strictly longer: a tie keeps the block that ends first
            best, besti, bestj = matched, i - matched + 1, first[state] - matched + 1
    return besti, bestj, best


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
