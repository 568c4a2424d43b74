"""The preview server's one page: self-contained HTML, CSS and JavaScript (no external assets).

Campaign data reaches the DOM only through `textContent` (never innerHTML), and the email is
shown in an iframe sandboxed without `allow-scripts`; `allow-same-origin` only lets this page
measure the email's height and read its text.

The page is written in English; `app_page()` serves it in the reader's language: the words of
the HTML (`PAGE_WORDS`) are replaced where they stand, and the script's own words reach it as
the JSON object `T` (`SCRIPT_WORDS`), so no translated text is ever parsed as markup or code.
"""

from __future__ import annotations

import json
from html import escape

from b2bmail.i18n import N_, _, current_language
from b2bmail.preview.model import SEVERITY_WORDS

#: The HTML's words, each found as an element's whole text (`>word<`) or a `title`.
PAGE_WORDS = (
    N_("b2bmail preview"),
    N_("Segments"),
    N_("Text"),
    N_("Source"),
    N_("Desktop 600"),
    N_("Phone 375"),
    N_("Phone 320"),
    N_("Images on"),
    N_("Images off"),
    N_("dark and Outlook views are simulations (see the manual, Previewing a campaign)"),
    N_("Light"),
    N_("Dark · Apple Mail"),
    N_("Dark · Outlook.com, Gmail app"),
    N_("Outlook for Windows (simulated)"),
    N_("email preview"),
    N_("Outlook view applies"),
)
#: The script's words, as `T[English]`; `{n}` and the like are filled in by the script.
SCRIPT_WORDS = (
    N_("Showing the last good build; fix the file and the page reloads."),
    N_("Fix the file and the page reloads."),
    N_("{campaign} — preview"),
    N_("build {n}"),
    N_("{html} KB HTML · {text} KB text"),
    N_("No lint problems."),
    N_("line {n}: "),
    N_("{shown} branch shown, {hidden} hidden"),
    N_("VML buttons drawn as their fallback table"),
    N_("server stopped"),
    *SEVERITY_WORDS.values(),
)


def app_page() -> str:
    """The page in the current language (`<html lang>` says which)."""
    page = APP_PAGE.replace('<html lang="en">', f'<html lang="{current_language()}">', 1)
    for word in PAGE_WORDS:
        shown = escape(_(word))
        page = page.replace(f">{word}<", f">{shown}<").replace(
            f'title="{word}"', f'title="{shown}"'
        )
    words = {word: _(word) for word in SCRIPT_WORDS}
    # `</` written `<\/`: a translation can never close the script element.
    script = json.dumps(words, ensure_ascii=False).replace("</", "<\\/")
    return page.replace("const T = {};", f"const T = {script};", 1)


APP_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>b2bmail preview</title>
<style>
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;display:grid;grid-template-columns:240px 1fr 340px;grid-template-rows:auto 1fr;
 font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,"DejaVu Sans",sans-serif;
 color:#1d2733;background:#eef1f5}
header{grid-column:1/4;display:flex;align-items:center;gap:16px;padding:10px 18px;
 background:#17324d;color:#fff}
header h1{font-size:16px;margin:0;font-weight:650}
header .gen{margin-left:auto;color:#b9c7d6;font-size:12px}
.seg-list{background:#fff;border-right:1px solid #dde3ea;overflow:auto;padding:10px}
.seg-list h2,.lint h2{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#6b7a8c;
 margin:6px 6px 8px}
.seg-list button{display:block;width:100%;text-align:left;border:0;background:none;padding:8px 10px;
 border-radius:6px;font:inherit;cursor:pointer;color:inherit}
.seg-list button:hover{background:#f1f4f8}
.seg-list button.active{background:#e6f0fb;color:#175cd3;font-weight:600}
.seg-list button small{display:block;color:#6b7a8c;font-weight:400;font-size:12px}
.view{overflow:auto;padding:14px 20px 40px}
.toolbar{display:flex;gap:8px;align-items:center;margin-bottom:12px;flex-wrap:wrap}
.group{display:inline-flex;background:#fff;border:1px solid #d5dce4;border-radius:8px;overflow:hidden}
.group button{border:0;background:none;padding:6px 12px;font:inherit;cursor:pointer;color:#3b4857}
.group button.active{background:#17324d;color:#fff}
.inbox{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:8px 12px;margin-bottom:12px;
 display:flex;gap:12px;white-space:nowrap;overflow:hidden}
.inbox .from{font-weight:650}.inbox .subject{font-weight:650}.inbox .pre{color:#6b7a8c;
 overflow:hidden;text-overflow:ellipsis}
.stage{display:flex;justify-content:center}
.device{background:#fff;box-shadow:0 1px 3px rgba(16,30,54,.15),0 8px 24px rgba(16,30,54,.08);
 transition:width .2s}
iframe{border:0;display:block;width:100%;min-height:400px;background:#fff}
pre{margin:0;white-space:pre-wrap;word-break:break-word;background:#fff;padding:16px;border-radius:8px;
 border:1px solid #dde3ea;font:12.5px/1.5 ui-monospace,"DejaVu Sans Mono",monospace}
.lint{background:#fff;border-left:1px solid #dde3ea;overflow:auto;padding:10px 14px}
.problem{border-bottom:1px solid #eef1f5;padding:8px 2px}
.problem .sev{font-size:11px;font-weight:700;text-transform:uppercase;border-radius:999px;padding:1px 8px}
.sev.error{background:#fde8e8;color:#b42318}.sev.warning{background:#fff4d6;color:#8a5a00}
.sev.info{background:#e6f0fb;color:#175cd3}
.problem code{font-size:12px;color:#6b7a8c;margin-left:6px}
.problem p{margin:4px 0 0}
.clean{color:#1a7f45}
.facts{color:#6b7a8c;font-size:12px;margin:0 6px 10px}
#build-error{grid-column:1/4;background:#fde8e8;color:#7a1b12;border-bottom:1px solid #f3b8b2;
 padding:10px 18px;font-size:14px}
#build-error code{font-weight:700}
#build-error small{display:block;color:#9a3b30;margin-top:2px}
body.has-error{grid-template-rows:auto auto 1fr}
body[data-tab=text] .device,body[data-tab=source] .device{width:100%!important;max-width:960px}
#rules{margin:0 0 14px;padding-left:18px;font-size:12.5px}
#rules li{margin:3px 0}#rules small{color:#6b7a8c}
[hidden]{display:none!important}
</style></head>
<body data-tab="html">
<header><h1 id="campaign">b2bmail preview</h1><span class="gen" id="generation"></span></header>
<div id="build-error" role="alert" hidden><strong id="error-kind"></strong>
 <code id="error-where"></code> <span id="error-message"></span><small id="error-note"></small></div>
<nav class="seg-list"><h2>Segments</h2><div id="segments"></div></nav>
<section class="view">
 <div class="toolbar">
  <div class="group" id="tabs"><button data-tab="html" class="active">HTML</button>
   <button data-tab="text">Text</button><button data-tab="source">Source</button></div>
  <div class="group" id="widths"><button data-width="600" class="active">Desktop 600</button>
   <button data-width="375">Phone 375</button><button data-width="320">Phone 320</button></div>
  <div class="group" id="images"><button data-images="on" class="active">Images on</button>
   <button data-images="off">Images off</button></div>
  <div class="group" id="views" title="dark and Outlook views are simulations (see the manual, Previewing a campaign)">
   <button data-view="light" class="active">Light</button>
   <button data-view="dark">Dark · Apple Mail</button>
   <button data-view="dark-inverted">Dark · Outlook.com, Gmail app</button>
   <button data-view="outlook">Outlook for Windows (simulated)</button></div>
 </div>
 <div class="inbox"><span class="from" id="from"></span><span class="subject" id="subject"></span>
  <span class="pre" id="preheader"></span></div>
 <div class="stage"><div class="device" id="device" style="width:600px">
  <iframe id="email" title="email preview" sandbox="allow-same-origin"></iframe>
  <pre id="text" hidden></pre><pre id="source" hidden></pre></div></div>
</section>
<aside class="lint"><section id="outlook-rules" hidden><h2>Outlook view applies</h2>
 <ul id="rules"></ul></section>
 <h2>Lint</h2><p class="facts" id="sizes"></p><div id="problems"></div></aside>
<script>
"use strict";
const T = {};
const $ = (id) => document.getElementById(id);
let state = null, current = null, tab = "html", generation = -1, images = "on", view = "light";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fitFrame() {
  const frame = $("email");
  try {
    const doc = frame.contentDocument;
    if (doc && doc.documentElement) frame.style.height = doc.documentElement.scrollHeight + "px";
  } catch (e) { /* cross-origin: keep the default height */ }
}

function showError(error) {
  document.body.classList.toggle("has-error", !!error);
  $("build-error").hidden = !error;
  if (!error) return;
  $("error-kind").textContent = error.kind;
  $("error-where").textContent = [error.path, error.line].filter((x) => x !== null).join(":");
  $("error-message").textContent = error.message + (error.hint ? " — " + error.hint : "");
  $("error-note").textContent = state.segments.length
    ? T["Showing the last good build; fix the file and the page reloads."]
    : T["Fix the file and the page reloads."];
}

function render() {
  $("campaign").textContent = T["{campaign} — preview"].replace("{campaign}", state.campaign || "b2bmail");
  $("generation").textContent = T["build {n}"].replace("{n}", state.generation);
  document.body.dataset.generation = state.generation;
  showError(state.error);
  const list = $("segments");
  list.replaceChildren();
  const ids = state.segments.map((s) => s.id);
  if (!ids.includes(current)) current = ids[0] || null;
  for (const seg of state.segments) {
    const button = el("button", seg.id === current ? "active" : "", seg.name);
    button.dataset.segment = seg.id;
    button.append(el("small", "", seg.id));
    button.addEventListener("click", () => select(seg.id));
    list.append(button);
  }
  showSegment();
}

function showSegment() {
  const seg = state.segments.find((s) => s.id === current);
  document.body.dataset.segment = current || "";
  if (!seg) return;
  for (const b of $("segments").children) b.classList.toggle("active", b.dataset.segment === current);
  $("from").textContent = seg.from;
  $("subject").textContent = seg.subject;
  // What a client shows after the subject: the built HTML's first ~100 characters of text.
  $("preheader").textContent = seg.snippet;
  // Reload the email only when it changed: a failed build keeps the last good one on screen.
  const url = "/segment/" + encodeURIComponent(seg.id) + "/email.html?g=" + state.good_generation;
  const frameUrl = url + (images === "off" ? "&images=off" : "") + (view !== "light" ? "&view=" + view : "");
  if ($("email").getAttribute("src") !== frameUrl) {
    $("email").src = frameUrl;
    fetch(url).then((r) => r.text()).then((t) => { $("source").textContent = t; });
  }
  $("text").textContent = seg.text;
  $("sizes").textContent = T["{html} KB HTML · {text} KB text"]
    .replace("{html}", (seg.html_bytes / 1024).toFixed(1))
    .replace("{text}", (seg.text_bytes / 1024).toFixed(1));
  const box = $("problems");
  box.replaceChildren();
  if (!seg.problems.length) box.append(el("p", "clean", T["No lint problems."]));
  for (const p of seg.problems) {
    const item = el("div", "problem");
    item.append(el("span", "sev " + p.severity, T[p.severity] || p.severity),
      el("code", "", p.code + " " + p.name));
    item.append(el("p", "", (p.line !== null ? T["line {n}: "].replace("{n}", p.line) : "") + p.message));
    box.append(item);
  }
}

function select(id) { current = id; showSegment(); }

function setView(value) {
  view = value;
  document.body.dataset.view = value;
  for (const b of $("views").children) b.classList.toggle("active", b.dataset.view === value);
  $("outlook-rules").hidden = value !== "outlook";
  const list = $("rules");
  list.replaceChildren();
  if (value === "outlook" && state) {
    list.append(el("li", "", T["{shown} branch shown, {hidden} hidden"]
      .replace("{shown}", "<!--[if mso]>").replace("{hidden}", "[if !mso]")));
    list.append(el("li", "", T["VML buttons drawn as their fallback table"]));
    for (const r of state.outlook_rules) {
      const item = el("li", "", r.does + " ");
      item.append(el("small", "", "caniemail " + r.slug + ": " + r.support_words));
      list.append(item);
    }
  }
  if (state) showSegment();
}

function setTab(name) {
  tab = name;
  document.body.dataset.tab = name;
  for (const b of $("tabs").children) b.classList.toggle("active", b.dataset.tab === name);
  $("email").hidden = name !== "html";
  $("text").hidden = name !== "text";
  $("source").hidden = name !== "source";
}

function setWidth(width) {
  for (const b of $("widths").children) b.classList.toggle("active", b.dataset.width === String(width));
  $("device").style.width = width + "px";
  setTimeout(fitFrame, 250);
}

function setImages(value) {
  images = value;
  for (const b of $("images").children) b.classList.toggle("active", b.dataset.images === value);
  if (state) showSegment();
}

async function refresh() {
  const response = await fetch("/api/state", {cache: "no-store"});
  state = await response.json();
  generation = state.generation;
  render();
}

async function poll() {
  try {
    const response = await fetch("/api/generation", {cache: "no-store"});
    const data = await response.json();
    if (data.generation !== generation) await refresh();
  } catch (e) { $("generation").textContent = T["server stopped"]; }
  setTimeout(poll, 700);
}

$("email").addEventListener("load", fitFrame);
for (const b of $("tabs").children) b.addEventListener("click", () => setTab(b.dataset.tab));
for (const b of $("widths").children) b.addEventListener("click", () => setWidth(b.dataset.width));
for (const b of $("images").children) b.addEventListener("click", () => setImages(b.dataset.images));
for (const b of $("views").children) b.addEventListener("click", () => setView(b.dataset.view));
refresh().then(poll);
</script>
</body></html>
"""
