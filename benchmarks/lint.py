"""Lint speed: median time to lint an email (all rules) next to one lxml parse of it.

Usage: python benchmarks/lint.py [--repeat N]

Measures, in the same run, for the example campaign's built emails (or, before it exists, the
corpus templates) and for the largest real-world template (Cerberus hybrid, 43 KB):
  - parse: one `lxml.html.document_fromstring` of the file,
  - lint:  `lint_document(Document(...))`: the parse, the one walk and every rule,
and prints the ratio lint / parse (target: at most 5). Times are CPU time of this process
(time.process_time), so other work on a busy machine does not skew the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

from b2bmail.lint.api import lint_document
from b2bmail.lint.document import Document
from b2bmail.lint.sources import estimate_encoded_size

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / "../shared/research/data/email-corpus").resolve()
LARGEST = CORPUS / "emailmonday__Cerberus/cerberus-hybrid.html"
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def median_ms(func: Callable[[], object], repeat: int) -> float:
    func()  # warm up: imports, regex compilation, data files
    times = []
    for _ in range(repeat):
        start = time.process_time()
        func()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def example_emails() -> list[tuple[str, str]]:
    """(name, html) of the example campaign's segments, else of the corpus HTML files."""
    campaign = REPO / "examples/heavy-equipment/campaign.yaml"
    try:
        from b2bmail.render.build import render_campaign

        build = render_campaign(campaign)
        return [(f"{campaign.parent.name}#{s.segment_id}", s.html) for s in build.segments]
    except Exception as exc:  # the build may not exist yet: fall back to the corpus
        print(f"(example campaign not built: {exc}; using the corpus)", file=sys.stderr)
    return [
        (str(p.relative_to(CORPUS)), p.read_text(encoding="utf-8"))
        for p in sorted(CORPUS.rglob("*.html"))
    ]


def measure(name: str, html: str, repeat: int) -> tuple[float, float]:
    data = html.encode("utf-8")
    size = estimate_encoded_size(html)
    parse = median_ms(lambda: lxml.html.document_fromstring(data, parser=_PARSER), repeat)
    lint = median_ms(
        lambda: lint_document(Document(path=name, html=html, encoded_html_size=size)), repeat
    )
    print(
        f"{name:<60} {len(data) / 1024:6.1f} KB  parse {parse:7.2f} ms  lint {lint:7.2f} ms  ratio {lint / parse:5.1f}x"
    )
    return parse, lint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per measurement (median)")
    args = parser.parse_args()
    print(f"median of {args.repeat} runs; lint = parse + one walk + all rules")
    ratios = []
    for name, html in example_emails():
        parse, lint = measure(name, html, args.repeat)
        ratios.append(lint / parse)
    if ratios:
        print(f"example emails: median ratio {statistics.median(ratios):.1f}x")
    if LARGEST.is_file():
        parse, lint = measure(
            "largest real-world template: " + LARGEST.name,
            LARGEST.read_text(encoding="utf-8"),
            args.repeat,
        )
        print(
            f"largest template: lint {lint:.2f} ms = {lint / parse:.1f}x one lxml parse ({parse:.2f} ms); target <= 5x"
        )


if __name__ == "__main__":
    main()
