from b2bmail.render.text import html_to_text

HTML = """<html><head><title>T</title><style>p{}</style></head><body>
<div style="display:none;max-height:0">Hidden preheader</div>
<table role="presentation"><tr><td>
<h1>Quarterly news</h1>
<p>Hello   <b>Camille</b>,<br>second line.</p>
<h2>Our offer</h2>
<ul><li>First point</li><li>Second point with a <a href="https://a.example/x">link</a></li></ul>
<ol><li>One</li><li>Two</li></ol>
<table><tr><th>Qty</th><th>Price</th></tr><tr><td>1-9</td><td>100,00 €</td></tr><tr><td>10+</td><td>90,00 €</td></tr></table>
<!--[if mso]><v:roundrect href="https://b.example/">Outlook only</v:roundrect><![endif]-->
<p><a href="https://b.example/">https://b.example/</a> <a href="mailto:s@b.example">s@b.example</a>
<a href="https://c.example/"><img src="https://c.example/i.png" alt="Logo" width="10" height="10"></a></p>
<p>This sentence is long enough that it has to wrap at seventy-eight columns, as RFC 5322 suggests for text.</p>
</td></tr></table></body></html>"""

EXPECTED = """Quarterly news
==============

Hello Camille,
second line.

Our offer
---------

 - First point

 - Second point with a link (https://a.example/x)

1. One

2. Two

Qty | Price
----+---------
1-9 | 100,00 €
10+ |  90,00 €

https://b.example/ s@b.example Logo (https://c.example/)

This sentence is long enough that it has to wrap at seventy-eight columns, as
RFC 5322 suggests for text.
"""


def test_html_to_text_whole_output() -> None:
    assert html_to_text(HTML) == EXPECTED


def test_lines_are_at_most_78_columns() -> None:
    text = html_to_text("<p>" + "mot " * 100 + "</p>")
    assert max(len(line) for line in text.splitlines()) <= 78
