"""Lint speed: median time to lint an email (all rules) next to one lxml parse of the same HTML.

Usage: python benchmarks/lint.py [--repeat N] [--only example|largest]

Inputs, measured in the same run:
  - the example campaign's emails (examples/heavy-equipment), linted as the build lints them:
    `lint_email(html, text, subject, preheader, headers)`;
  - the largest real-world template of the corpus (Cerberus hybrid, 43 KB), linted as
    `b2bmail lint FILE` does once the file is read: `lint_document(document_from_bytes(...))`.

Each repetition times, one after the other (interleaved, so a change of machine load hits
every figure alike):
  - parse: one `lxml.html.document_fromstring` of the HTML (the reference);
  - total: everything the lint entry point does for the input: decoding, the size estimate,
    building the `Document` (its own parse and walk) and every rule, problems included;
  - rules: the same without building the `Document` (shared facts the rules compute lazily,
    the rules and the problems), measured on a fresh `Document` built outside the clock.
Figures are medians of CPU time (time.process_time); ratios are median / median parse. The
per-value caches (colours, lengths) are emptied before each lint, so no run profits from the
previous one.
Target (issue 4): all rules together at most 5x one parse.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from functools import partial
from pathlib import Path

import lxml.html

from b2bmail.lint.api import lint_document, lint_email
from b2bmail.lint.css import parse_color, parse_px
from b2bmail.lint.document import Document
from b2bmail.lint.sources import document_from_bytes, document_from_parts

REPO = Path(__file__).resolve().parents[1]
CAMPAIGN = REPO / "examples/heavy-equipment/campaign.yaml"
CORPUS = (REPO / "../shared/research/data/email-corpus").resolve()
LARGEST = CORPUS / "emailmonday__Cerberus/cerberus-hybrid.html"
TARGET = 5.0
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    """One input: its HTML bytes, how to lint it all, and how to build its Document alone."""

    name: str
    html: bytes
    lint: Callable[[], object]
    build: Callable[[], Document]


def example_cases() -> list[Case]:
    from b2bmail.campaign import render_campaign

    cases = []
    for seg in render_campaign(CAMPAIGN).segments:
        parsed = BytesParser(policy=policy.default).parsebytes(seg.eml, headersonly=True)
        name = f"{CAMPAIGN.parent.name}#{seg.segment_id}"
        headers = {key: str(value) for key, value in parsed.items()}
        build = partial(
            document_from_parts,
            html=seg.html,
            text=seg.text,
            subject=seg.subject,
            preheader=seg.preheader,
            headers=headers,
            path=name,
        )
        lint = partial(
            lint_email,
            html=seg.html,
            text=seg.text,
            subject=seg.subject,
            preheader=seg.preheader,
            headers=headers,
            path=name,
        )
        cases.append(Case(name, seg.html.encode("utf-8"), lint, build))
    return cases


def largest_case() -> Case:
    raw = LARGEST.read_bytes()
    return Case(
        LARGEST.name,
        raw,
        lambda: lint_document(document_from_bytes(raw, LARGEST)),
        lambda: document_from_bytes(raw, LARGEST),
    )


@dataclass(frozen=True)
class Figures:
    parse: float
    total: float
    rules: float

    @property
    def total_ratio(self) -> float:
        return self.total / self.parse

    @property
    def rules_ratio(self) -> float:
        return self.rules / self.parse


def forget_values() -> None:
    """Empty the per-value caches (colours, lengths), so each run lints as a fresh process
    would; the rule table and data files stay loaded, as in a run over many files."""
    parse_color.cache_clear()
    parse_px.cache_clear()


def measure(case: Case, repeat: int) -> Figures:
    clock = time.process_time
    parse, total, rules = [], [], []
    case.lint()  # warm up: imports, data files, compiled patterns
    for _ in range(repeat):
        start = clock()
        lxml.html.document_fromstring(case.html, parser=_PARSER)
        parse.append(clock() - start)
        forget_values()
        start = clock()
        case.lint()
        total.append(clock() - start)
        doc = case.build()
        forget_values()
        start = clock()
        lint_document(doc)
        rules.append(clock() - start)
    ms = 1000
    return Figures(
        statistics.median(parse) * ms, statistics.median(total) * ms, statistics.median(rules) * ms
    )


def report(case: Case, figures: Figures) -> None:
    print(
        f"{case.name:<32} {len(case.html) / 1024:5.1f} KB  parse {figures.parse:5.2f} ms  "
        f"total {figures.total:5.2f} ms = {figures.total_ratio:4.1f}x  "
        f"rules {figures.rules:5.2f} ms = {figures.rules_ratio:4.1f}x"
    )


def verdict(label: str, ratio: float) -> str:
    return f"{label} {ratio:.1f}x ({'meets' if ratio <= TARGET else 'misses'} <= {TARGET:g}x)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="repetitions (median)")
    parser.add_argument("--only", choices=("example", "largest"), help="measure one input set")
    args = parser.parse_args()
    print(f"median of {args.repeat} interleaved runs, CPU time; ratios against one lxml parse")
    # The rules are Python and the parse is C: the ratio depends on how the interpreter was
    # built (Debian's python3.11 is built with PGO and LTO; a plain source build is not).
    print(f"Python {platform.python_version()} at {sys.executable} ({platform.python_compiler()})")
    if args.only != "largest":
        totals, rules = [], []
        for case in example_cases():
            figures = measure(case, args.repeat)
            report(case, figures)
            totals.append(figures.total_ratio)
            rules.append(figures.rules_ratio)
        print(
            "example emails, median: "
            f"{verdict('total', statistics.median(totals))}, "
            f"{verdict('rules only', statistics.median(rules))}"
        )
    if args.only != "example":
        case = largest_case()
        figures = measure(case, args.repeat)
        report(case, figures)
        print(
            f"largest template ({case.name}): "
            f"{verdict('total', figures.total_ratio)}, "
            f"{verdict('rules only', figures.rules_ratio)}"
        )


if __name__ == "__main__":
    main()
