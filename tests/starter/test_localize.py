"""The starter in each locale is written in that language: no English left in its texts."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import yaml

from b2bmail.starter.localize import STARTER_LOCALES, localize_starter

#: Keys whose values are no words: addresses, colours, codes the templates read.
NOT_WORDS = {"url", "color", "benefit", "default_stage", "currency"}


def words(tree: Any, key: str = "") -> Iterator[str]:
    """Every text value of `tree` that a reader sees."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from words(v, str(k))
    elif isinstance(tree, list):
        for item in tree:
            yield from words(item, key)
    elif isinstance(tree, str) and key not in NOT_WORDS:
        yield tree


def starter_file(*parts: str) -> str:
    return resources.files("b2bmail.starter").joinpath(*parts).read_text("utf-8")


@pytest.mark.parametrize("locale", [loc for loc in STARTER_LOCALES if not loc.startswith("en")])
def test_no_english_left_in_a_localized_starter(locale: str) -> None:
    campaign = starter_file("campaign.yaml")
    english = yaml.safe_load(campaign)
    made = localize_starter(
        campaign,
        starter_file("segments", "segments.yaml"),
        starter_file("recipients.csv"),
        locale,
    )
    localized = yaml.safe_load(made.campaign)
    left = set(words(localized["content"])) & set(words(english["content"]))
    left |= {localized[k] for k in ("subject", "preheader", "name")} & set(words(english))
    assert left == set()
    assert made.recipients != starter_file("recipients.csv")
