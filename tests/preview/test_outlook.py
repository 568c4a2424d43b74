"""The simulated Outlook for Windows view: conditional comments, VML, removed CSS, its rule list."""

from __future__ import annotations

import pytest

from b2bmail.i18n import _, using
from b2bmail.preview.outlook import outlook_rules, outlook_view

EMAIL = (
    "<html><head><style>.card{border-radius:4px;color:#333}</style></head><body>"
    "<!--[if mso]><table><tr><td>for Outlook</td></tr></table><![endif]-->"
    '<!--[if !mso]><!--><div style="max-width:600px">for the others</div><!--<![endif]-->'
    '<div style="margin:0 auto;padding:4px;float:left;background:#eee url(bg.png) no-repeat">a</div>'
    '<p style="margin-top:12px;color:red">b</p>'
    '<td style="margin:0;background-image:url(x.png)">c</td>'
    '<!--[if mso]><v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" style="height:40px;'
    'v-text-anchor:middle;width:200px;" arcsize="10%" fillcolor="#556270"><w:anchorlock/>'
    "<center>Voir les prix</center></v:roundrect><![endif]-->"
    "</body></html>"
)


def test_mso_branch_is_shown_and_the_other_hidden() -> None:
    view = outlook_view(EMAIL, label=False)
    assert "for Outlook" in view and "for the others" not in view
    assert "<!--" not in view


@pytest.mark.parametrize(
    ("condition", "shown"),
    [
        ("mso", True),
        ("mso | IE", True),
        ("gte mso 9", True),
        ("lt mso 16", False),
        ("lte mso 16", True),
        ("gt mso 16", False),
        ("!mso", False),
        ("IE", False),
    ],
)
def test_conditions_are_read_as_outlook_2016_and_later(condition: str, shown: bool) -> None:
    view = outlook_view(f"<!--[if {condition}]>X<![endif]-->", label=False)
    assert (view == "X") is shown


def test_vml_button_is_drawn_as_its_fallback_table() -> None:
    view = outlook_view(EMAIL, label=False)
    assert "v:roundrect" not in view and "w:anchorlock" not in view
    assert (
        '<table role="presentation" cellpadding="0" cellspacing="0" border="0" '
        'style="height:40px;width:200px"><tr><td bgcolor="#556270" align="center" '
        'valign="middle" style="height:40px;width:200px"><center>Voir les prix</center>'
        "</td></tr></table>"
    ) in view


def test_unsupported_css_is_removed_and_margins_only_on_div_and_p() -> None:
    view = outlook_view(EMAIL, label=False)
    assert "<style>.card{color:#333}</style>" in view
    assert '<div style="padding:4px;background:#eee  no-repeat">a</div>' in view
    assert '<p style="color:red">b</p>' in view
    assert '<td style="margin:0;">c</td>' in view


def test_the_view_is_labelled_as_a_simulation() -> None:
    assert "Simulated Outlook for Windows view" in outlook_view("<body>x</body>")


def test_rules_list_comes_from_the_caniemail_table() -> None:
    # caniemail (www.caniemail.com/features/css-*): Outlook for Windows supports none of
    # these but margin, which it supports only partly.
    assert [(r.feature, r.support, r.slug) for r in outlook_rules()] == [
        ("max-width", "n", "css-max-width"),
        ("background-image", "n", "css-background-image"),
        ("border-radius", "n", "css-border-radius"),
        ("float", "n", "css-float"),
        ("margin", "a", "css-margin"),
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "not supported"), ("fr", "non pris en charge"), ("nl", "niet ondersteund")],
)
def test_support_level_and_what_the_view_does_in_each_language(language: str, words: str) -> None:
    # Issue 18: the gallery and the serve page show these; `support` stays caniemail's code.
    rule = next(r for r in outlook_rules() if r.feature == "float")
    with using(language):
        assert rule.support == "n"
        assert rule.support_words == words
    with using("fr"):
        assert _(rule.does) == "float supprimé"
