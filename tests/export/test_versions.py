"""Versions of one email merged into one template: shared text once, a Choice where they
differ (src/b2bmail/export/versions.py)."""

from __future__ import annotations

import pytest

from b2bmail.export.versions import Choice, merge_versions, resolve
from b2bmail.render.merge import MergeField, MergeTemplate

NAME = MergeField("first_name", "Bonjour", html=True)


def template(*parts: str | MergeField) -> MergeTemplate:
    return MergeTemplate(parts)


def test_only_the_differing_words_are_in_the_choice() -> None:
    versions = [
        ("v1", template("<p>TVA 20 %</p> ", NAME)),
        ("v2", template("<p>TVA 17 %</p> ", NAME)),
        ("v3", template("<p>TVA 20 %</p> ", NAME)),
    ]
    assert merge_versions(versions) == (
        "<p>TVA ",
        Choice(((("v2",), ("17",)), (("v1", "v3"), ("20",)))),  # the largest group: else
        " %</p> ",
        NAME,
    )


def test_a_stretch_one_version_lacks_is_an_empty_branch() -> None:
    versions = [("v1", template("<td>1</td><td>2</td>")), ("v2", template("<td>1</td>"))]
    merged = merge_versions(versions)
    # Groups of one each: the first version is the `else`.
    assert merged == ("<td>1</td>", Choice(((("v2",), ()), (("v1",), ("<td>2</td>",)))))


@pytest.mark.parametrize("key", ["v1", "v2", "v3"])
def test_each_key_gets_its_version_back(key: str) -> None:
    texts = {"v1": "a b c d", "v2": "a x c", "v3": "b c d e"}
    merged = merge_versions([(k, template(t)) for k, t in texts.items()])
    assert "".join(str(p) for p in resolve(merged, key)) == texts[key]


def test_identical_versions_have_no_choice() -> None:
    versions = [("v1", template("Prix ", NAME)), ("v2", template("Prix ", NAME))]
    assert merge_versions(versions) == ("Prix ", NAME)
