"""The NSD harness itself: zone files, and what happens when nsd is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.deliverability import conftest as harness
from tests.deliverability.nsd import NEGATIVE_TTL, read_zone_files, zone_file


def test_zone_file_gets_an_soa_when_it_has_none() -> None:
    assert zone_file("Example.TEST.", "@ MX 10 mx") == (
        "$ORIGIN example.test.\n$TTL 300\n"
        f"@ IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 {NEGATIVE_TTL}\n"
        "@ IN NS ns.example.test.\n@ MX 10 mx\n"
    )


def test_zone_files_split_on_zone_lines(tmp_path: Path) -> None:
    path = tmp_path / "acme.example.zone"
    path.write_text("; comment\n@ MX 10 mx\n$ZONE other.example\nmx A 8.8.8.8\n")
    assert read_zone_files(path) == {
        "acme.example": "; comment\n@ MX 10 mx",
        "other.example": "mx A 8.8.8.8",
    }


@pytest.mark.parametrize(
    ("required", "outcome"), [("1", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_nsd_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, required: str, outcome: type[BaseException]
) -> None:
    monkeypatch.setattr(harness, "nsd_binary", lambda: None)
    monkeypatch.setenv("B2BMAIL_REQUIRE_NSD", required)
    with pytest.raises(outcome, match="nsd is not installed"):
        harness.require_nsd()
