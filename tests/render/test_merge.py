import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mjml import mjml2html

from b2bmail.errors import TemplateError
from b2bmail.render.environment import make_environment, render_template
from b2bmail.render.inline import inline_css, tag_links
from b2bmail.render.merge import (
    MergeField,
    MergeRegistry,
    MergeTemplate,
    MissingMergeValueError,
    NeedsVariant,
    RecipientProxy,
    mark_url_fields,
)
from b2bmail.render.text import html_to_text


def test_render_fills_fields_and_escapes_only_values() -> None:
    tpl = MergeTemplate(("<p>Bonjour ", MergeField("first_name", "Madame"), " & co</p>"))
    html_tpl = MergeTemplate(
        ("<p>Bonjour ", MergeField("first_name", "Madame", html=True), " & co</p>")
    )
    assert html_tpl.render({"first_name": "<Zoé>"}) == "<p>Bonjour &lt;Zoé&gt; & co</p>"
    assert tpl.render({}) == "<p>Bonjour Madame & co</p>"
    assert tpl.render({"first_name": "  "}) == "<p>Bonjour Madame & co</p>"
    assert tpl.fields == frozenset({"first_name"})


def test_missing_value_without_fallback_raises() -> None:
    tpl = MergeTemplate((MergeField("unsubscribe_token"),))
    with pytest.raises(MissingMergeValueError, match="unsubscribe_token"):
        tpl.render({"email": "a@b.test"})


def test_values_are_data_not_jinja(tmp_path: Path) -> None:
    env = make_environment(tmp_path, "fr_FR")
    registry = MergeRegistry()
    out = env.from_string("Hi {{ recipient.first_name | fallback('vous') }}!").render(
        recipient=RecipientProxy(registry)
    )
    tpl = registry.split(out)
    assert tpl.render({"first_name": "{{ 7 * 7 }}"}) == "Hi {{ 7 * 7 }}!"


def test_same_field_twice_shares_one_slot_and_dotted_company_fields(tmp_path: Path) -> None:
    env = make_environment(tmp_path, "fr_FR")
    registry = MergeRegistry()
    out = env.from_string(
        "{{ recipient.email }} {{ recipient.email }} {{ recipient.company.size }}"
    ).render(recipient=RecipientProxy(registry))
    assert registry.fields == [MergeField("email"), MergeField("company.size")]
    assert (
        registry.split(out).render({"email": "a@b.test", "company.size": "250"})
        == "a@b.test a@b.test 250"
    )


def test_recipient_field_in_condition_asks_for_a_variant_then_reads_its_value(
    tmp_path: Path,
) -> None:
    env = make_environment(tmp_path, "fr_FR")
    template = env.from_string(
        '{% if recipient.civilite == "Mme" %}Madame{% else %}Monsieur{% endif %}'
    )
    with pytest.raises(NeedsVariant, match="civilite"):
        template.render(recipient=RecipientProxy(MergeRegistry()))
    for value, expected in (("Mme", "Madame"), ("M.", "Monsieur"), (None, "Monsieur")):
        bound = MergeRegistry(bound={"civilite": value})
        assert template.render(recipient=RecipientProxy(bound)) == expected


def test_sentinels_survive_mjml_premailer_and_text() -> None:
    registry = MergeRegistry()
    name = registry.sentinel(MergeField("first_name", "vous"))
    token = registry.sentinel(MergeField("unsubscribe_token"))
    url = f"https://news.example.com/u/{token}?x=1"
    mjml = (
        "<mjml><mj-head><mj-style>p{color:#111111}</mj-style></mj-head><mj-body><mj-section>"
        f'<mj-column><mj-text><p title="{name}">Bonjour {name},</p>'
        f'<p><a href="{url}">Se désabonner</a> <a href="https://shop.example.com/p?id={name}#top">Voir</a></p>'
        f'</mj-text><mj-button href="https://b.example.com/{name}">Go</mj-button></mj-column></mj-section></mj-body></mjml>'
    )
    out = inline_css(str(mjml2html(mjml, fonts={})))
    out = tag_links(out, {"utm_source": "nl"}, skip=frozenset({url}))
    out = mark_url_fields(out)
    text = html_to_text(out)
    values = {"first_name": "Zoé & Léa", "unsubscribe_token": "tok123"}
    merged_html = registry.split(out, html=True).render(values)
    merged_text = registry.split(text).render(values)
    assert 'title="Zoé &amp; Léa"' in merged_html
    assert "Bonjour Zoé &amp; Léa," in merged_html
    assert 'href="https://news.example.com/u/tok123?x=1"' in merged_html
    # In a URL, percent-encoded UTF-8 (RFC 3986 §2.1, é = C3 A9): the `&` stays in the value.
    zoe = "Zo%C3%A9%20%26%20L%C3%A9a"
    assert f'href="https://shop.example.com/p?id={zoe}&amp;utm_source=nl#top"' in merged_html
    assert f'href="https://b.example.com/{zoe}?utm_source=nl"' in merged_html
    assert "Bonjour Zoé & Léa," in merged_text
    assert "Se désabonner (https://news.example.com/u/tok123?x=1)" in merged_text
    assert f"Voir\n(https://shop.example.com/p?id={zoe}&utm_source=nl#top)" in merged_text
    assert "zQ9m" not in merged_html + merged_text


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["zQ9mf0fm9Qz", "{{ 7 * 7 }}", "<script>x</script>", '"><b>']),
    ).filter(lambda v: v.strip() != "")
)
def test_any_value_is_pasted_once_as_inert_data(value: str) -> None:
    registry = MergeRegistry()
    tpl = registry.split(f'<a title="{registry.sentinel(MergeField("company"))}">x</a>', html=True)
    merged = tpl.render({"company": value})
    assert merged == '<a title="' + html.escape(value.strip(), quote=True) + '">x</a>'


def test_filter_on_a_merge_field_reads_the_variants_value(tmp_path: Path) -> None:
    env = make_environment(tmp_path, "fr_FR")
    template = env.from_string("Hi {{ recipient.first_name | upper }}")
    with pytest.raises(NeedsVariant, match="first_name"):
        template.render(recipient=RecipientProxy(MergeRegistry()))
    bound = MergeRegistry(bound={"first_name": "Zoé"})
    assert template.render(recipient=RecipientProxy(bound)) == "Hi ZOÉ"


@pytest.mark.parametrize(
    ("value", "expected"), [(None, "none"), ("", "string"), ("12", "string"), (7, "odd")]
)
def test_jinja_tests_on_a_merge_field_read_its_value(
    tmp_path: Path, value: object, expected: str
) -> None:
    env = make_environment(tmp_path, "fr_FR")
    template = env.from_string(
        "{% if recipient.x is none %}none{% elif recipient.x is string %}string"
        "{% elif recipient.x is odd %}odd{% endif %}"
    )
    with pytest.raises(NeedsVariant):
        template.render(recipient=RecipientProxy(MergeRegistry()))
    bound = MergeRegistry(bound={"x": value})
    assert template.render(recipient=RecipientProxy(bound)) == expected


def test_a_safe_merge_field_is_still_merged_escaped(tmp_path: Path) -> None:
    env = make_environment(tmp_path, "fr_FR")
    registry = MergeRegistry(bound={"company": "<script>x</script>"})
    out = env.from_string("<p>{{ recipient.company | safe }}</p>").render(
        recipient=RecipientProxy(registry)
    )
    merged = registry.split(out, html=True).render({"company": "<script>x</script>"})
    assert merged == "<p>&lt;script&gt;x&lt;/script&gt;</p>"


def test_calling_a_merge_field_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "t.mjml").write_text("a\n{{ recipient.first_name.upper() }}\n")
    env = make_environment(tmp_path, "fr_FR")
    context = {"recipient": RecipientProxy(MergeRegistry(bound={"first_name": "x"}))}
    with pytest.raises(
        TemplateError, match=re.escape("write recipient.first_name | upper")
    ) as info:
        render_template(env, tmp_path / "t.mjml", context)
    assert (info.value.path, info.value.line) == (str(tmp_path / "t.mjml"), 2)


@pytest.mark.parametrize("expr", ["(recipient.first_name ~ '')[:7]"])
def test_filtered_merge_field_is_an_error_not_a_leak(tmp_path: Path, expr: str) -> None:
    env = make_environment(tmp_path, "fr_FR")
    registry = MergeRegistry()
    out = env.from_string("Hi {{ " + expr + " }}").render(recipient=RecipientProxy(registry))
    with pytest.raises(TemplateError, match="changed by a filter"):
        registry.split(out)
