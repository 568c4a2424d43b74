"""The segment assigner: answers per combination of the fields the rules read."""

from __future__ import annotations

from pathlib import Path

from b2bmail.recipients.segmenting import segment_assigner
from b2bmail.segments import load_segments

SEGMENTS = """\
segments:
  - id: big-mines
    name: Big mines
    priority: 20
    rule: {all: [{field: sector, equals: mines}, {field: company.size, gte: 50}]}
  - id: mines
    name: Mines
    priority: 10
    rule: {field: sector, equals: mines}
"""


def test_answers_follow_every_field_the_rules_read(tmp_path: Path) -> None:
    # The cache key is the tuple of the read fields' values (a dotted path, then its head):
    # rows differing in any one of them get their own answer, the same ones the same answer.
    path = tmp_path / "segments.yaml"
    path.write_text(SEGMENTS, encoding="utf-8")
    assign = segment_assigner(load_segments(path))
    big = {"sector": "mines", "company.size": "120"}
    small = {"sector": "mines", "company.size": "12"}
    assert assign(big) == ("big-mines", "Big mines")
    assert assign(small) == ("mines", "Mines")
    assert assign(dict(big)) == ("big-mines", "Big mines")
    assert assign({"sector": "bois", "company.size": "120"}) is None
    # A nested mapping under the head cannot be a key: answered without the cache.
    nested = {"sector": "mines", "company": {"size": "120"}}
    assert assign(nested) == assign(nested) == ("big-mines", "Big mines")
