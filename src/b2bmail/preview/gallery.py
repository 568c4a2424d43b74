"""The static gallery page: one card per segment, readable from disk with no external assets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from b2bmail.preview.model import CampaignView, SegmentView, sender_name
from b2bmail.preview.screenshots import Shot

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail clips HTML bodies past ~102 KB ("[Message clipped]").

GALLERY_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;color:#1d2733;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
 Roboto,"Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
header.top{background:#17324d;color:#fff;padding:28px 40px 24px}
header.top h1{margin:0 0 4px;font-size:24px;font-weight:650;letter-spacing:-.01em}
header.top p{margin:0;color:#b9c7d6;font-size:14px}
.totals{display:flex;gap:10px;margin-top:16px;flex-wrap:wrap}
.totals span{background:rgba(255,255,255,.12);border-radius:999px;padding:3px 12px;font-size:13px}
main{padding:28px 40px 48px;display:grid;gap:28px}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(16,30,54,.12),
 0 8px 24px rgba(16,30,54,.06);overflow:hidden}
.card>header{display:flex;align-items:center;gap:12px;padding:18px 24px;border-bottom:1px solid #e3e8ee}
.card h2{margin:0;font-size:18px;font-weight:650}
.card h2 small{color:#6b7a8c;font-weight:400;font-size:13px;margin-left:8px;font-family:ui-monospace,
 "DejaVu Sans Mono",monospace}
.badges{margin-left:auto;display:flex;gap:6px}
.badge{border-radius:999px;padding:2px 10px;font-size:12px;font-weight:600}
.b-error{background:#fde8e8;color:#b42318}.b-warning{background:#fff4d6;color:#8a5a00}
.b-info{background:#e6f0fb;color:#175cd3}.b-ok{background:#e3f6ea;color:#1a7f45}
.inbox{margin:18px 24px 0;border:1px solid #e3e8ee;border-radius:8px;padding:10px 14px;
 display:grid;grid-template-columns:180px 1fr auto;gap:14px;align-items:baseline;background:#fafbfc}
.inbox .from{font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.inbox .line{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.inbox .subject{font-weight:650}.inbox .pre{color:#6b7a8c}
.inbox .when{color:#6b7a8c;font-size:13px}
.shots{display:flex;gap:20px;padding:18px 24px;align-items:flex-start;overflow-x:auto}
figure{margin:0;flex:0 0 auto}
figure a.frame{display:block;border:1px solid #d5dce4;border-radius:6px;overflow:hidden;
 max-height:560px;position:relative;background:#fff}
figure a.frame::after{content:"";position:absolute;left:0;right:0;bottom:0;height:48px;
 background:linear-gradient(rgba(255,255,255,0),#fff)}
figure img{display:block}
figcaption{font-size:12px;color:#6b7a8c;margin-top:6px}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:1px;
 background:#e3e8ee;border-top:1px solid #e3e8ee}
.facts div{background:#fff;padding:10px 24px}
.facts dt{font-size:12px;color:#6b7a8c}.facts dd{margin:0;font-weight:600}
.over{color:#b42318}
details{border-top:1px solid #e3e8ee;padding:12px 24px}
summary{cursor:pointer;font-weight:600}
pre.text{white-space:pre-wrap;font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace;background:#f6f8fa;
 padding:14px;border-radius:6px;max-height:420px;overflow:auto}
table.problems{border-collapse:collapse;width:100%;font-size:13px;margin-top:8px}
table.problems td,table.problems th{text-align:left;padding:6px 8px;border-bottom:1px solid #eef1f5;
 vertical-align:top}
.links{display:flex;gap:16px;padding:12px 24px 18px;border-top:1px solid #e3e8ee;font-size:14px}
.links a{color:#175cd3;text-decoration:none;font-weight:600}
.clean{color:#1a7f45;margin:8px 0 0}
footer{color:#6b7a8c;font-size:12px;text-align:center;padding:0 0 32px}
"""


def _kb(size: int) -> str:
    return f"{size / 1024:.1f} KB"


def _badges(view: SegmentView) -> str:
    parts = []
    for severity in ("error", "warning", "info"):
        count = view.count(severity)
        if count:
            plural = "" if count == 1 else "s"
            parts.append(f'<span class="badge b-{severity}">{count} {severity}{plural}</span>')
    if not parts:
        parts.append('<span class="badge b-ok">lint clean</span>')
    return "".join(parts)


def _inbox_line(view: SegmentView) -> str:
    return (
        '<div class="inbox" title="as an inbox list shows it">'
        f'<span class="from">{escape(sender_name(view.from_addr))}</span>'
        f'<span class="line"><span class="subject">{escape(view.subject)}</span>'
        f' <span class="pre">— {escape(view.preheader)}</span></span>'
        '<span class="when">09:30</span></div>'
    )


def _figure(segment_id: str, shot: Shot, scale: float) -> str:
    src = f"{escape(segment_id)}/{escape(shot.filename)}"
    width = round(shot.width * scale)
    height = round(shot.height * scale)
    return (
        f'<figure><a class="frame" href="{src}" title="open full size">'
        f'<img src="{src}" width="{width}" height="{height}" alt="{escape(shot.label)}"></a>'
        f"<figcaption>{escape(shot.label)} · {shot.height} px tall</figcaption></figure>"
    )


def _problems(view: SegmentView) -> str:
    if not view.problems:
        return '<p class="clean">No lint problems.</p>'
    rows = []
    order = {"error": 0, "warning": 1, "info": 2}
    for problem in sorted(view.problems, key=lambda p: (order.get(p.severity, 3), p.line or 0)):
        rows.append(
            f'<tr><td><span class="badge b-{escape(problem.severity)}">{escape(problem.severity)}</span></td>'
            f"<td><code>{escape(problem.code)}</code> {escape(problem.name)}</td>"
            f"<td>{'' if problem.line is None else problem.line}</td>"
            f"<td>{escape(problem.message)}</td></tr>"
        )
    return (
        '<table class="problems"><thead><tr><th>severity</th><th>rule</th><th>line</th>'
        f"<th>message</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _card(view: SegmentView, shots: Sequence[Shot]) -> str:
    sid = escape(view.segment_id)
    html_size = view.html_bytes
    over = ' class="over"' if html_size > GMAIL_CLIP_BYTES else ""
    figures = "".join(_figure(view.segment_id, shot, 0.5) for shot in shots)
    facts = (
        f"<div><dt>HTML</dt><dd{over}>{_kb(html_size)}</dd></div>"
        f"<div><dt>plain text</dt><dd>{_kb(view.text_bytes)}</dd></div>"
        f"<div><dt>.eml (sample)</dt><dd>{_kb(len(view.eml))}</dd></div>"
        f"<div><dt>Gmail clips at</dt><dd>{_kb(GMAIL_CLIP_BYTES)}</dd></div>"
    )
    return (
        f'<article class="card" id="segment-{sid}" data-segment="{sid}">'
        f"<header><h2>{escape(view.segment_name)}<small>{sid}</small></h2>"
        f'<div class="badges">{_badges(view)}</div></header>'
        f"{_inbox_line(view)}"
        f'<div class="shots">{figures}</div>'
        f'<dl class="facts">{facts}</dl>'
        f"<details open><summary>Lint ({len(view.problems)})</summary>{_problems(view)}</details>"
        f'<details><summary>Plain-text part</summary><pre class="text">{escape(view.text)}</pre></details>'
        f'<nav class="links"><a href="{sid}/email.html">Open HTML</a>'
        f'<a href="{sid}/email.eml">Download .eml</a><a href="{sid}/email.txt">Plain text</a></nav>'
        "</article>"
    )


def render_gallery(campaign: CampaignView, shots: Mapping[str, Sequence[Shot]]) -> str:
    """The gallery page as one self-contained HTML string (links are relative to its folder)."""
    errors = sum(view.count("error") for view in campaign.segments)
    warnings = sum(view.count("warning") for view in campaign.segments)
    cards = "".join(_card(view, shots.get(view.segment_id, ())) for view in campaign.segments)
    count = len(campaign.segments)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(campaign.name)} — b2bmail preview</title>"
        f"<style>{GALLERY_CSS}</style></head><body>"
        f'<header class="top"><h1>{escape(campaign.name)}</h1>'
        f"<p>{escape(campaign.path.name)} · preview of every segment for its sample recipient</p>"
        f'<div class="totals"><span>{count} segment{"" if count == 1 else "s"}</span>'
        f"<span>{errors} lint error{'' if errors == 1 else 's'}</span>"
        f"<span>{warnings} warning{'' if warnings == 1 else 's'}</span>"
        "<span>remote images shown as grey placeholders (nothing was fetched)</span></div>"
        f"</header><main>{cards}</main>"
        "<footer>Made by b2bmail preview with headless Chromium.</footer></body></html>"
    )
