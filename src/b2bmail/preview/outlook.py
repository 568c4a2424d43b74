"""The 'Outlook view': a simulation of what Outlook for Windows (the Word engine) keeps.

Classic Outlook for Windows renders HTML with Word, which drops CSS it does not support and
takes the `<!--[if mso]>` branches of conditional comments. This module applies the removals
listed in `RULES` to a built email; each rule names the caniemail feature it comes from, and
its support level is read from the project's caniemail table (data/lint_css_support.tsv), so
the list shown beside the view is the data's, not a hand-kept copy.

A simulation, labelled as such: it does not reproduce Word's table layout, DPI scaling, font
fallback, line-height rounding or the many smaller quirks; it shows the big losses.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from importlib import resources

from b2bmail.i18n import N_, _

# Outlook 2016-2021 and 365 report `mso 16` to conditional comments (Microsoft, "Conditional
# comments", Office 2000 HTML reference; versions: 9 = 2000 ... 16 = 2016 and later).
MSO_VERSION = 16
COMPARISONS = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


@dataclass(frozen=True)
class OutlookRule:
    """One transformation of the Outlook view, with its caniemail support fact."""

    feature: str  # the caniemail feature (a row of data/lint_css_support.tsv)
    support: str  # caniemail's level for Outlook for Windows: n (none) or a (partial)
    slug: str  # caniemail page: https://www.caniemail.com/features/<slug>/
    does: str

    @property
    def support_words(self) -> str:
        """The support level in the current language ("partly supported")."""
        word = SUPPORT_WORDS.get(self.support)
        return _(word) if word else self.support


#: caniemail's support levels as the pages say them.
SUPPORT_WORDS = {"n": N_("not supported"), "a": N_("partly supported"), "y": N_("supported")}


# (caniemail feature, what the view does). The removal itself is in `_strip_declarations`.
# What it does is in English here and translated where it is shown (`_(rule.does)`).
RULES_APPLIED = (
    ("max-width", N_("max-width removed")),
    ("background-image", N_("background-image and url() backgrounds removed")),
    ("border-radius", N_("border-radius removed (square corners)")),
    ("float", N_("float removed")),
    ("margin", N_("margin removed from <div> and <p>")),
)
REMOVED_EVERYWHERE = re.compile(
    r"(?<![\w-])(?:max-width|background-image|border(?:-(?:top|bottom)-(?:left|right))?-radius"
    r"|float)\s*:[^;\"'}]*;?",
    re.IGNORECASE,
)
BACKGROUND_URL = re.compile(r"(?<![\w-])(background\s*:[^;\"'}]*?)url\([^)]*\)", re.IGNORECASE)
MARGIN = re.compile(r"(?<![\w-])margin(?:-(?:top|right|bottom|left))?\s*:[^;\"'}]*;?", re.I)
DIV_OR_P_STYLE = re.compile(r"(<(?:div|p)\b[^>]*?\sstyle\s*=\s*)([\"'])(.*?)\2", re.I | re.S)
# Downlevel-revealed (`<!--[if !mso]><!-->…<!--<![endif]-->`, MJML's `<!-- -->` variant too)
# before downlevel-hidden (`<!--[if mso]>…<![endif]-->`), so the two never overlap.
REVEALED = re.compile(
    r"<!--\[if\s+(?P<cond>[^\]]+)\]><!(?:-- )?-->(?P<body>.*?)<!--<!\[endif\]-->", re.I | re.S
)
HIDDEN = re.compile(r"<!--\[if\s+(?P<cond>[^\]]+)\]>(?P<body>.*?)<!\[endif\]-->", re.I | re.S)
VML_SHAPE = re.compile(
    r"<v:(?P<tag>roundrect|rect)\b(?P<attrs>[^>]*)>(?P<body>.*?)</v:(?P=tag)>", re.I | re.S
)
OFFICE_TAG = re.compile(r"</?(?:v|o|w):[\w-]+\b[^>]*>", re.I)
LABEL = (
    '<div style="font:12px Arial,sans-serif;background:#fff4d6;color:#5c3d00;padding:4px 8px">'
    "{text}</div>"
)
LABEL_TEXT = N_("Simulated Outlook for Windows view (b2bmail) — not a real Outlook rendering")


@lru_cache(maxsize=1)
def outlook_rules() -> tuple[OutlookRule, ...]:
    """The rules the view applies, with their support facts from the caniemail table."""
    text = resources.files("b2bmail").joinpath("data", "lint_css_support.tsv").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            feature, outlook, _gmail, slug = line.split("\t")
            table[feature] = (outlook, slug)
    return tuple(
        OutlookRule(feature, table[feature][0], table[feature][1], does)
        for feature, does in RULES_APPLIED
    )


def _mso_matches(condition: str) -> bool:
    """Does a conditional comment's condition hold in Outlook (Word, MSO_VERSION)?"""
    for term in condition.split("|"):
        term = term.strip().lower()
        negated = term.startswith("!")
        words = term.lstrip("!").strip("() ").split()
        if words == ["mso"] or words == ["ie"]:
            holds = words == ["mso"]
        elif len(words) == 3 and words[1] == "mso" and words[2].isdigit():
            op, version = words[0], int(words[2])
            compare = COMPARISONS.get(op)
            holds = compare is not None and compare(MSO_VERSION, version)
        else:
            holds = False
        if holds != negated:
            return True
    return False


def _vml_fallback(match: re.Match[str]) -> str:
    """A VML button drawn as the table Word's own fallback amounts to: its fill, its text."""
    attrs = match["attrs"]
    fill = re.search(r'fillcolor\s*=\s*["\']([^"\']+)', attrs, re.I)
    size = re.search(r'style\s*=\s*["\']([^"\']*)', attrs, re.I)
    sizes = ";".join(
        d
        for d in (size[1].split(";") if size else [])
        if d.split(":")[0].strip() in ("width", "height")
    )
    body = OFFICE_TAG.sub("", match["body"])
    colour = escape(fill[1]) if fill else "transparent"
    return (
        f'<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="{escape(sizes)}">'
        f'<tr><td bgcolor="{colour}" align="center" valign="middle" style="{escape(sizes)}">'
        f"{body}</td></tr></table>"
    )


def _strip_declarations(html: str) -> str:
    html = BACKGROUND_URL.sub(r"\1", html)
    html = REMOVED_EVERYWHERE.sub("", html)
    return DIV_OR_P_STYLE.sub(lambda m: m[1] + m[2] + MARGIN.sub("", m[3]) + m[2], html)


def outlook_view(html: str, *, label: bool = True) -> str:
    """The email after the Word engine's documented losses (see the module docstring)."""
    html = REVEALED.sub(lambda m: m["body"] if _mso_matches(m["cond"]) else "", html)
    html = HIDDEN.sub(lambda m: m["body"] if _mso_matches(m["cond"]) else "", html)
    html = VML_SHAPE.sub(_vml_fallback, html)
    html = OFFICE_TAG.sub("", html)
    html = _strip_declarations(html)
    if label:
        body = re.search(r"<body\b[^>]*>", html, re.I)
        at = body.end() if body else 0
        html = html[:at] + LABEL.format(text=escape(_(LABEL_TEXT))) + html[at:]
    return html
