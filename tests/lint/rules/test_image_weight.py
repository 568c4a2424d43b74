"""image-too-heavy (B2B407): local image sizes handed over by the build, data: payloads."""

from __future__ import annotations

import pytest
from tests.lint.helpers import codes_of, page

from b2bmail.lint.api import lint_email


def img(n: int) -> str:
    return f'<img src="https://cdn.example.com/{n}.png" alt="Photo {n}" width="100" height="50">'


def heavy_codes(sizes: dict[str, int], count: int = 1) -> list[str]:
    html = page("".join(img(n) for n in range(count)) + "<p>" + "mot " * 80 + "</p>")
    problems = lint_email(html=html, path="built", image_sizes=sizes)
    return [p.code for p in problems if p.code == "B2B407"]


@pytest.mark.parametrize(
    ("size", "hits"), [(200 * 1024, 0), (200 * 1024 + 1, 1)], ids=["200KB", "200KB+1"]
)
def test_one_image_at_the_budget(size: int, hits: int) -> None:
    assert len(heavy_codes({"https://cdn.example.com/0.png": size})) == hits


@pytest.mark.parametrize(("extra", "hits"), [(0, 0), (1, 1)], ids=["800KB", "800KB+1"])
def test_all_images_at_the_total_budget(extra: int, hits: int) -> None:
    # Five images of 160 KB = 800 KB (each under 200 KB), then one byte more.
    sizes = {f"https://cdn.example.com/{n}.png": 160 * 1024 for n in range(5)}
    sizes["https://cdn.example.com/4.png"] += extra
    assert len(heavy_codes(sizes, count=5)) == hits


def test_remote_images_of_unknown_size_are_not_flagged() -> None:
    assert heavy_codes({}) == []


def test_data_uri_payload_is_measured() -> None:
    # 273,068 base64 characters decode to 204,801 bytes: one past 200 KB.
    src = "data:image/png;base64," + "A" * 273068
    html = page(f'<img src="{src}" alt="Dot" width="1" height="1"><p>{"mot " * 40}</p>')
    assert "B2B407" in codes_of(lint_email(html=html, path="built"))
