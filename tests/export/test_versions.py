"""Versions of one email merged into one template: shared text once, a Choice where they
differ (src/b2bmail/export/versions.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.export.reference_versions import reference_matching_pairs, reference_merge_versions

from b2bmail.export import compile as export_compile
from b2bmail.export import versions as export_versions
from b2bmail.export import writer as export_writer
from b2bmail.export.compile import ExportCompiler
from b2bmail.export.contacts import read_contacts
from b2bmail.export.versions import Choice, Part, Token, matching_pairs, merge_versions, resolve
from b2bmail.export.writer import get_esp, render_for_esp
from b2bmail.render.merge import MergeField, MergeTemplate

ROOT = Path(__file__).resolve().parents[2]

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


def test_every_esp_writes_the_one_merge_of_an_emails_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The merge reads no ESP: two ESPs with a conditional share it (the diff is most of
    # `export --esp all`'s time, issue 17 item 6), so each template part is merged once.
    calls: list[int] = []

    def counted(versions: Sequence[tuple[str, MergeTemplate]]) -> tuple[Part, ...]:
        calls.append(len(versions))
        return export_versions.merge_versions(versions)

    for module in (export_compile, export_writer):  # wherever the merge is called from
        if hasattr(module, "merge_versions"):
            monkeypatch.setattr(module, "merge_versions", counted)
    campaign = ROOT / "examples/heavy-equipment/campaign.yaml"
    export, _contacts = read_contacts(
        ExportCompiler(campaign, ["mining"]), campaign.parent / "recipients.csv"
    )
    versioned = [v for v in export.variants if len(v.leaves) > 1]
    assert versioned
    written = [render_for_esp(export, get_esp(key)) for key in ("brevo", "mailchimp")]
    # subject, preheader, html, text: four merges per email, not four per email per ESP
    assert len(calls) == 4 * len(versioned)
    assert [f.name for f in written[0].variants] == [f.name for f in written[1].variants]


# Few distinct tokens, so that blocks repeat and tie (the cases where a search can pick
# another equally long block than SequenceMatcher does): tags, spaces, words, merge fields.
_VOCABULARY: list[Token] = ["<td>", "</td>", "<p>", "</p>", " ", "\n  ", "TVA", "20", "17", "%"]
_TOKENS = st.sampled_from([*_VOCABULARY, NAME, MergeField("x")])


@st.composite
def _versions(draw: st.DrawFn) -> list[list[Token]]:
    """2-4 token lists: unrelated, or edits of one (a price, a row added or dropped), as an
    email's versions are."""
    base = draw(st.lists(_TOKENS, max_size=40))
    out = [base]
    for _n in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            out.append(draw(st.lists(_TOKENS, max_size=40)))
            continue
        other = list(base)
        for _edit in range(draw(st.integers(0, 4))):
            at = draw(st.integers(0, len(other)))
            cut = draw(st.integers(0, 3))
            other[at : at + cut] = draw(st.lists(_TOKENS, max_size=3))
        out.append(other)
    return out


@settings(max_examples=400, deadline=None)
@given(_versions())
def test_matching_pairs_are_difflibs(versions: list[list[Token]]) -> None:
    # The same blocks as SequenceMatcher (tests/export/reference_versions.py), ties included:
    # an equally long block elsewhere would be an equally correct merge, but another output.
    for other in versions[1:]:
        assert matching_pairs(versions[0], other) == reference_matching_pairs(versions[0], other)
    assert matching_pairs(versions[0], versions[0]) == {i: i for i in range(len(versions[0]))}


@settings(max_examples=200, deadline=None)
@given(_versions())
def test_merge_is_the_one_difflib_gives(versions: list[list[Token]]) -> None:
    keyed = [(f"v{n}", template(*tokens)) for n, tokens in enumerate(versions, 1)]
    assert merge_versions(keyed) == reference_merge_versions(keyed)


def test_an_example_page_merges_as_difflib_merges_it() -> None:
    # heavy-equipment's price table by country: long pages, nearly the same.
    campaign = ROOT / "examples/heavy-equipment/campaign.yaml"
    export, _contacts = read_contacts(
        ExportCompiler(campaign, ["mining"]), campaign.parent / "recipients.csv"
    )
    variant = next(v for v in export.variants if len(v.leaves) > 1)
    keyed = [(key, compiled.html) for key, compiled in variant.leaves]
    expected = reference_merge_versions(keyed)
    assert any(isinstance(part, Choice) for part in expected)
    assert merge_versions(keyed) == expected
