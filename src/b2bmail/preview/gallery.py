"""The static gallery page: one card per segment, readable from disk with no external assets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from b2bmail.i18n import N_, _, current_language, format_kb, ngettext
from b2bmail.preview.model import CampaignView, SegmentView, sender_name, severity_word
from b2bmail.preview.outlook import outlook_rules
from b2bmail.preview.screenshots import Shot

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail clips HTML bodies past ~102 KB ("[Message clipped]").
SHOT_SCALE = 0.5  # thumbnails at half size; each links to its full-size PNG
FRAME_HEIGHT = 470  # thumbnails taller than this are cut, with a fade at the bottom

GALLERY_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;color:#1d2733;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
 Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
header.top{background:#17324d;color:#fff;padding:28px 40px 24px}
header.top h1{margin:0 0 4px;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.top p{margin:0;color:#b9c7d6;font-size:14px}
.totals{display:flex;gap:10px;margin-top:16px;flex-wrap:wrap}
.totals span{background:rgba(255,255,255,.12);border-radius:999px;padding:3px 12px;font-size:13px}
main{padding:28px 40px 40px;display:grid;gap:28px}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(16,30,54,.12),
 0 8px 24px rgba(16,30,54,.06);overflow:hidden}
.card>header{display:flex;align-items:center;gap:12px;padding:16px 24px;border-bottom:1px solid #e3e8ee}
.card h2{margin:0;font-size:18px;font-weight:650}
.card h2 small{color:#6b7a8c;font-weight:400;font-size:13px;margin-left:8px;font-family:ui-monospace,
 "DejaVu Sans Mono",monospace}
.badges{margin-left:auto;display:flex;gap:6px}
.badge{border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600;white-space:nowrap}
.b-error{background:#fde8e8;color:#b42318}.b-warning{background:#fff4d6;color:#8a5a00}
.b-info{background:#e6f0fb;color:#175cd3}.b-ok{background:#e3f6ea;color:#1a7f45}
.inbox{margin:16px 24px 0;border:1px solid #e3e8ee;border-radius:8px;padding:9px 14px;
 display:grid;grid-template-columns:170px 1fr auto;gap:14px;align-items:baseline;background:#fafbfc}
.inbox .from{font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.inbox .line{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.inbox .subject{font-weight:650}.inbox .pre{color:#6b7a8c}
.inbox .when{color:#6b7a8c;font-size:13px}
.body{display:flex;gap:24px;padding:16px 24px 20px;align-items:flex-start;flex-wrap:wrap}
.shots{display:flex;gap:24px;align-items:flex-start;flex:1 1 100%;flex-wrap:wrap}
.column h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#6b7a8c;margin:0 0 8px}
.column .figures{display:flex;gap:16px;align-items:flex-start}
.col-dark .figures{background:#2b2f36;padding:10px;border-radius:8px}
.col-dark figcaption{color:#c9d1da}.col-dark a.frame.long::after{display:none}
.column figcaption{max-width:300px}
ul.rules{list-style:none;margin:10px 0 0;padding:0;font-size:12px;max-width:300px;color:#3b4857}
ul.rules li{padding:3px 0;border-bottom:1px solid #eef1f5}
ul.rules small{color:#6b7a8c}ul.rules a{color:#175cd3}
figure{margin:0}
figure a.frame{display:block;border:1px solid #d5dce4;border-radius:6px;overflow:hidden;
 max-height:{FRAME}px;position:relative;background:#fff;width:max-content}
figure a.frame.long::after{content:"";position:absolute;left:0;right:0;bottom:0;height:56px;
 background:linear-gradient(rgba(255,255,255,0),#fff)}
figure img{display:block}
figcaption{font-size:12px;color:#6b7a8c;margin-top:6px}
.side{flex:1 1 300px;min-width:280px}
.facts{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin:0 0 14px}
.facts div{background:#f6f8fa;border-radius:8px;padding:8px 12px}
.facts dt{font-size:12px;color:#6b7a8c}.facts dd{margin:0;font-weight:650}
.over{color:#b42318}
.facts small{font-weight:400;color:#6b7a8c;font-size:12px}
.side h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#6b7a8c;margin:0 0 6px}
ul.problems{list-style:none;margin:0;padding:0;max-height:330px;overflow:auto}
ul.problems li{padding:7px 0;border-bottom:1px solid #eef1f5;font-size:13px}
ul.problems code{font-size:12px;color:#3b4857;margin-left:4px}
ul.problems .ln{color:#6b7a8c;font-size:12px;float:right}
ul.problems p{margin:3px 0 0;color:#3b4857}
.clean{color:#1a7f45;margin:4px 0 0}
.links{display:flex;gap:16px;margin-top:14px;font-size:14px}
.links a{color:#175cd3;text-decoration:none;font-weight:600}
details{border-top:1px solid #e3e8ee;padding:12px 24px}
summary{cursor:pointer;font-weight:600}
pre.text{white-space:pre-wrap;font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;background:#f6f8fa;
 padding:14px;border-radius:6px;max-height:420px;overflow:auto}
footer{color:#6b7a8c;font-size:12px;text-align:center;padding:0 0 28px}
""".replace("{FRAME}", str(FRAME_HEIGHT))


def _badges(view: SegmentView) -> str:
    parts = []
    for severity in ("error", "warning", "info"):
        count = view.count(severity)
        if count:
            words = escape(_count(severity, count))
            parts.append(f'<span class="badge b-{severity}">{words}</span>')
    if not parts:
        clean = escape(_("lint clean"))
        parts.append(f'<span class="badge b-ok">{clean}</span>')
    return "".join(parts)


def _count(severity: str, n: int) -> str:
    """ "2 errors", "1 warning", "3 infos" in the current language."""
    if severity == "error":
        return ngettext("{n} error", "{n} errors", n).format(n=n)
    if severity == "warning":
        return ngettext("{n} warning", "{n} warnings", n).format(n=n)
    return ngettext("{n} info", "{n} infos", n).format(n=n)


def _inbox_line(view: SegmentView) -> str:
    # The snippet is the built HTML's text as a client reads it (preview.model.inbox_snippet),
    # not the campaign's preheader setting: a missing or too-short preheader shows here.
    title = escape(_("as an inbox list shows it"))
    return (
        f'<div class="inbox" title="{title}">'
        f'<span class="from">{escape(sender_name(view.from_addr))}</span>'
        f'<span class="line"><span class="subject">{escape(view.subject)}</span>'
        f' <span class="pre">— {escape(view.snippet)}</span></span>'
        '<span class="when">09:30</span></div>'
    )


# Shot columns of a card: (heading, views shown in it); headings translated where shown.
COLUMNS = (
    (N_("Light"), ("light",)),
    (N_("Dark"), ("dark", "dark-inverted")),
    (N_("Outlook for Windows (simulated)"), ("outlook",)),
)


def _outlook_rules() -> str:
    items = "".join(
        f"<li><code>{escape(rule.feature)}</code> {escape(_(rule.does))}"
        f" <small>caniemail {escape(rule.slug)}:"
        f" {escape(rule.support_words)}"
        "</small></li>"
        for rule in outlook_rules()
    )
    mso = escape(_("{shown} branch shown, {hidden} hidden"))
    vml = escape(_("{vml} VML buttons drawn as their fallback table"))
    title = escape(_("what the simulation applies"))
    return (
        f'<ul class="rules" title="{title}">'
        "<li>"
        + mso.format(shown="<code>&lt;!--[if mso]&gt;</code>", hidden="<code>[if !mso]</code>")
        + "</li><li>"
        + vml.format(vml="<code>v:roundrect</code>")
        + f"</li>{items}</ul>"
    )


def _columns(segment_id: str, shots: Sequence[Shot]) -> str:
    columns = []
    for heading, views in COLUMNS:
        figures = "".join(
            _figure(segment_id, shot, SHOT_SCALE) for shot in shots if shot.view in views
        )
        if not figures:
            continue
        kind = views[0].split("-")[0]
        extra = _outlook_rules() if kind == "outlook" else ""
        columns.append(
            f'<section class="column col-{kind}"><h3>{escape(_(heading))}</h3>'
            f'<div class="figures">{figures}</div>{extra}</section>'
        )
    return "".join(columns)


def _figure(segment_id: str, shot: Shot, scale: float) -> str:
    src = f"{escape(segment_id)}/{escape(shot.filename)}"
    width = round(shot.width * scale)
    height = round(shot.height * scale)
    label = escape(shot.label)
    tall = escape(_("{label} · {height} px tall").format(label=shot.label, height=shot.height))
    full_size = escape(_("open full size"))
    return (
        f'<figure><a class="{"frame long" if height > FRAME_HEIGHT else "frame"}" href="{src}" '
        f'title="{full_size}">'
        f'<img src="{src}" width="{width}" height="{height}" alt="{label}"></a>'
        f"<figcaption>{tall}</figcaption></figure>"
    )


def _problems(view: SegmentView) -> str:
    if not view.problems:
        clean = escape(_("No lint problems."))
        return f'<p class="clean">{clean}</p>'
    order = {"error": 0, "warning": 1, "info": 2}
    items = []
    for problem in sorted(view.problems, key=lambda p: (order.get(p.severity, 3), p.line or 0)):
        line = ""
        if problem.line is not None:
            number = escape(_("line {n}").format(n=problem.line))
            line = f'<span class="ln">{number}</span>'
        if getattr(problem, "segment", ""):  # placed at its source (campaign.lint_layout)
            where = f"{getattr(problem, 'path', '')}:{problem.line}"
            line = f'<span class="ln">{escape(where)}</span>'
        severity = escape(problem.severity)
        label = escape(severity_word(problem.severity))
        items.append(
            f'<li data-severity="{severity}">'
            f'<span class="badge b-{severity}">{label}</span>'
            f"<code>{escape(problem.code)}</code> {escape(problem.name)}{line}"
            f"<p>{escape(problem.message)}</p></li>"
        )
    return f'<ul class="problems">{"".join(items)}</ul>'


def _fact(term: str, value: str, attributes: str = "") -> str:
    """One figure of a card: `term` is text, `value` HTML."""
    return f"<div><dt>{escape(term)}</dt><dd{attributes}>{value}</dd></div>"


def _card(view: SegmentView, shots: Sequence[Shot]) -> str:
    sid = escape(view.segment_id)
    html_size = view.html_bytes
    over = ' class="over"' if html_size > GMAIL_CLIP_BYTES else ""
    of_limit = escape(_("of {size}").format(size=format_kb(GMAIL_CLIP_BYTES)))
    characters = ngettext("{n} character", "{n} characters", len(view.subject))
    facts = (
        _fact("HTML", f"{format_kb(html_size)} <small>{of_limit}</small>", over)
        + _fact(_("plain text"), format_kb(view.text_bytes))
        + _fact(_(".eml (sample)"), format_kb(len(view.eml)))
        + _fact(_("subject"), escape(characters.format(n=len(view.subject))))
    )
    lint_heading = escape(_("Lint · {n}").format(n=len(view.problems)))
    links = (
        (f"{sid}/email.html", _("Open HTML")),
        (f"{sid}/email.outlook.html", _("Outlook view")),
        (f"{sid}/email.eml", _("Download .eml")),
        (f"{sid}/email.txt", _("Plain text")),
    )
    nav = "".join(f'<a href="{href}">{escape(text)}</a>' for href, text in links)
    text_part = escape(_("Plain-text part"))
    return (
        f'<article class="card" id="segment-{sid}" data-segment="{sid}">'
        f"<header><h2>{escape(view.segment_name)}<small>{sid}</small></h2>"
        f'<div class="badges">{_badges(view)}</div></header>'
        f"{_inbox_line(view)}"
        f'<div class="body"><div class="shots">{_columns(view.segment_id, shots)}</div>'
        f'<aside class="side"><dl class="facts">{facts}</dl>'
        f"<h3>{lint_heading}</h3>{_problems(view)}"
        f'<nav class="links">{nav}</nav>'
        "</aside></div>"
        f'<details><summary>{text_part}</summary><pre class="text">{escape(view.text)}</pre></details>'
        "</article>"
    )


def render_gallery(
    campaign: CampaignView,
    shots: Mapping[str, Sequence[Shot]],
    fetched_hosts: Sequence[str] = (),
) -> str:
    """The gallery page as one self-contained HTML string (links are relative to its folder),
    in the current language (`<html lang>` says which).

    `fetched_hosts`: the hosts remote images were fetched from (--fetch-images), if any.
    """
    remote = (
        _("remote images from {hosts} fetched, others shown as grey placeholders").format(
            hosts=", ".join(sorted(fetched_hosts))
        )
        if fetched_hosts
        else _("remote images shown as grey placeholders (nothing was fetched)")
    )
    errors = sum(view.count("error") for view in campaign.segments)
    warnings = sum(view.count("warning") for view in campaign.segments)
    infos = sum(view.count("info") for view in campaign.segments)
    cards = "".join(_card(view, shots.get(view.segment_id, ())) for view in campaign.segments)
    count = len(campaign.segments)
    totals = (
        ngettext("{n} segment", "{n} segments", count).format(n=count),
        ngettext("{n} lint error", "{n} lint errors", errors).format(n=errors),
        _count("warning", warnings),
        _count("info", infos),
        remote,
        _("dark and Outlook columns are simulations (see the manual, Previewing a campaign)"),
    )
    title = _("{campaign} — b2bmail preview").format(campaign=campaign.name)
    intro = _("{file} · preview of every segment for its sample recipient").format(
        file=campaign.path.name
    )
    footer = _("Made by b2bmail preview with headless Chromium.")
    return (
        f'<!DOCTYPE html><html lang="{current_language()}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f"<style>{GALLERY_CSS}</style></head><body>"
        f'<header class="top"><h1>{escape(campaign.name)}</h1>'
        f"<p>{escape(intro)}</p>"
        f'<div class="totals">{"".join(f"<span>{escape(text)}</span>" for text in totals)}</div>'
        f"</header><main>{cards}</main>"
        f"<footer>{escape(footer)}</footer></body></html>"
    )
