from datetime import datetime
from pathlib import Path

import pytest

from b2bmail.config import compose_yaml, load_campaign_config
from b2bmail.errors import ConfigError

CAMPAIGN = """\
name: Lettre T3
locale: fr_FR
sender:
  from: "Terrex <news@terrex.example>"
  reply_to: contact@terrex.example
subject: "Nouveautés {{ segment.name }}"
preheader: Le trimestre en bref
template: email.mjml
segments: segments.yaml
content:
  intro: Bonjour
unsubscribe:
  url: "https://news.terrex.example/u/{{ recipient.unsubscribe_token }}"
  mailto: unsubscribe@terrex.example
company:
  name: Terrex SA
  postal_address: 1 rue de l'Exemple, 69000 Lyon
  legal: SA au capital de 1 000 000 €
list_id: "Lettre Terrex <trimestrielle.terrex.example>"
utm: {source: newsletter, medium: email, campaign: t3}
date: 2026-07-01T08:00:00+02:00
"""


@pytest.fixture
def campaign_dir(tmp_path: Path) -> Path:
    (tmp_path / "campaign.yaml").write_text(CAMPAIGN, encoding="utf-8")
    (tmp_path / "email.mjml").write_text("<mjml></mjml>", encoding="utf-8")
    (tmp_path / "segments.yaml").write_text("segments: []\n", encoding="utf-8")
    return tmp_path


def test_loads_valid_campaign(campaign_dir: Path) -> None:
    c = load_campaign_config(campaign_dir / "campaign.yaml")
    assert c.name == "Lettre T3"
    assert c.sender.from_addr == "Terrex <news@terrex.example>"
    assert c.sender.reply_to == "contact@terrex.example"
    assert c.unsubscribe.mailto == "mailto:unsubscribe@terrex.example"
    assert c.template == (campaign_dir / "email.mjml").resolve()
    assert c.list_id == "Lettre Terrex <trimestrielle.terrex.example>"
    assert c.utm == {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "t3"}
    assert c.content == {"intro": "Bonjour"}
    assert c.date == datetime.fromisoformat("2026-07-01T08:00:00+02:00")
    assert c.sample_recipient["unsubscribe_token"] == "sample-token"


@pytest.mark.parametrize(
    ("old", "new", "line", "needle"),
    [
        (
            "subject:",
            "subjet:",
            6,
            "unknown key 'subjet' in the campaign — did you mean 'subject'?",
        ),
        ("locale: fr_FR", "locale: xx_YY", 2, "unknown locale 'xx_YY'"),
        ("template: email.mjml", "template: nope.mjml", 8, "template 'nope.mjml' not found"),
        ("  reply_to: contact@terrex.example", "  reply_to: [a]", 5, "must be text"),
        ('  url: "https', '  url: "http', 13, "must be an https:// URL"),
        ("sender:\n", "sender: [\n", 5, "while parsing a flow sequence started on line 3"),
        ("date: 2026-07-01T08:00:00+02:00", "date: tomorrow", 21, "not an ISO 8601"),
        (
            'list_id: "Lettre Terrex <trimestrielle.terrex.example>"',
            "list_id: nodots",
            19,
            "not a list identifier",
        ),
        ("  name: Terrex SA\n", "", 16, "missing key 'name' in company"),
    ],
    ids=[
        "unknown-key",
        "locale",
        "missing-template",
        "wrong-type",
        "http",
        "syntax",
        "date",
        "list-id",
        "missing",
    ],
)
def test_errors_carry_line_and_hint(
    campaign_dir: Path, old: str, new: str, line: int, needle: str
) -> None:
    path = campaign_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign_config(path)
    assert needle in str(info.value)
    assert info.value.line == line
    assert info.value.path == str(path)


def test_missing_campaign_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="campaign file not found"):
        load_campaign_config(tmp_path / "campaign.yaml")


def _load_error(campaign_dir: Path, old: str, new: str) -> tuple[Path, ConfigError]:
    """The campaign file with `old` replaced by `new`, and the error loading it raises."""
    path = campaign_dir / "campaign.yaml"
    path.write_text(CAMPAIGN.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign_config(path)
    return path, info.value


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "  intro: Bonjour",
            "  intro: !foo Bonjour",
            11,
            "unknown YAML tag '!foo' — b2bmail reads plain YAML: remove the tag"
            " (quote a value that starts with '!')",
        ),
        (
            "  intro: Bonjour",
            "  intro: !!python/object:os.system echo",
            11,
            "unknown YAML tag '!!python/object:os.system' — b2bmail reads plain YAML:"
            " remove the tag (quote a value that starts with '!')",
        ),
        (
            "sender:\n",
            "sender: !foo\n",
            3,
            "unknown YAML tag '!foo' — b2bmail reads plain YAML: remove the tag"
            " (quote a value that starts with '!')",
        ),
        (
            "name: Lettre T3",
            'name: !!int "x"',
            1,
            "'x' is not a valid !!int (invalid literal for int() with base 10: 'x')"
            " — fix the value, or quote it to keep it as text",
        ),
        (
            "  intro: Bonjour",
            "  intro: !!bool maybe",
            11,
            "'maybe' is not a valid !!bool — fix the value, or quote it to keep it as text",
        ),
        (
            "date: 2026-07-01T08:00:00+02:00",
            "date: 2026-13-01",
            21,
            "'2026-13-01' is not a valid !!timestamp (month must be in 1..12)"
            " — fix the value, or quote it to keep it as text",
        ),
        (
            "  intro: Bonjour",
            "  intro: {[a]: 1}",
            11,
            "YAML error: found unhashable key — fix the value on that line",
        ),
    ],
    ids=["unknown-tag", "python-tag", "tag-on-mapping", "int-tag", "bool-tag", "month-13", "key"],
)
def test_yaml_tags_and_values_it_cannot_construct_carry_their_line(
    campaign_dir: Path, old: str, new: str, line: int, message: str
) -> None:
    # Regression: these escaped as yaml.ConstructorError / ValueError / KeyError tracebacks
    # (exit 1), or (a tag on a mapping) were silently ignored.
    path, error = _load_error(campaign_dir, old, new)
    assert str(error) == f"{path}:{line}: {message}"


def test_yaml_merge_keys_still_work(campaign_dir: Path) -> None:
    path = campaign_dir / "campaign.yaml"
    path.write_text(
        CAMPAIGN.replace("  intro: Bonjour", "  base: &b {x: 1}\n  merged: {<<: *b, y: 2}"),
        encoding="utf-8",
    )
    assert load_campaign_config(path).content == {"base": {"x": 1}, "merged": {"x": 1, "y": 2}}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_nesting_limit_at_one_hundred_levels() -> None:
    # The limit and one past it; the expected line is where the 101st list opens.
    assert compose_yaml(_nested(100), "f.yaml") is not None
    with pytest.raises(ConfigError) as info:
        compose_yaml("a:\n  " + _nested(101), "f.yaml")  # the mapping is level 1
    assert str(info.value) == (
        "f.yaml:2: lists and mappings nested deeper than 100 levels — flatten the structure"
    )


def test_an_alias_counts_the_nesting_it_repeats() -> None:
    # The anchored list holds 99 levels; the mapping around it is one more.
    assert compose_yaml("a: &x " + _nested(99) + "\nb: *x", "f.yaml") is not None  # 1 + 99
    with pytest.raises(ConfigError) as info:
        compose_yaml("a: &x " + _nested(99) + "\nb: [*x]", "f.yaml")  # 1 + 1 + 99
    assert (info.value.line, info.value.message) == (
        2,
        "lists and mappings nested deeper than 100 levels",
    )


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        compose_yaml("a: 1\nloop: &r [x, *r]\n", "f.yaml")
    assert str(info.value) == (
        "f.yaml:2: alias *r inside its own anchor &r (a loop)"
        " — repeat the content instead of nesting it in itself"
    )


@pytest.mark.parametrize(
    ("nested", "line"),
    [
        ("  intro: " + _nested(600), 11),
        # The campaign and `content` are levels 1 and 2: the 99th list (line 12 + 98) is too deep.
        ("  intro:\n" + "".join(f"{'  ' * (i + 2)}-\n" for i in range(600)), 110),
    ],
    ids=["flow", "block"],
)
def test_yaml_nested_600_deep_is_a_config_error_with_line(
    campaign_dir: Path, nested: str, line: int
) -> None:
    # Regression: RecursionError traceback, exit 1.
    path, error = _load_error(campaign_dir, "  intro: Bonjour", nested)
    assert str(error) == (
        f"{path}:{line}: lists and mappings nested deeper than 100 levels — flatten the structure"
    )


def test_recursion_error_while_composing_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Without the nesting limit (or called deep in a stack) the composer itself recurses too
    # deep: still a ConfigError with the file and the line it had reached.
    monkeypatch.setattr("b2bmail.config.MAX_NESTING", 10_000)
    with pytest.raises(ConfigError) as info:
        compose_yaml("a:\n  " + _nested(600), "f.yaml")
    assert info.value.path == "f.yaml"
    assert info.value.line == 2
    assert str(info.value).endswith(": YAML nested too deeply to read — flatten the structure")


@pytest.mark.parametrize(
    ("old", "new", "line", "what"),
    [
        (
            '  from: "Terrex <news@terrex.example>"',
            '  from: "Terrex <news@terrex.example>\\nBcc: all@rivals.example"',
            4,
            "sender.from 'Terrex <news@terrex.example>\\nBcc: all@rivals.example'"
            " contains the control character '\\n'",
        ),
        (
            "  reply_to: contact@terrex.example",
            '  reply_to: "contact@terrex.example\\r\\nBcc: all@rivals.example"',
            5,
            "sender.reply_to 'contact@terrex.example\\r\\nBcc: all@rivals.example'"
            " contains the control character '\\r'",
        ),
        (
            "  reply_to: contact@terrex.example",
            "  reply_to: |\n    contact@terrex.example",
            5,
            "sender.reply_to 'contact@terrex.example\\n' contains the control character '\\n'",
        ),
    ],
    ids=["from-lf", "reply-to-crlf", "reply-to-block"],
)
def test_line_break_in_sender_address_is_refused_with_line(
    campaign_dir: Path, old: str, new: str, line: int, what: str
) -> None:
    # Regression: accepted here, then the e-mail library raised ValueError mid-build (exit 1).
    path, error = _load_error(campaign_dir, old, new)
    assert str(error) == (
        f"{path}:{line}: {what} — write the address on one line, without escapes such as \\r or \\n"
    )


def test_tab_in_display_name_is_allowed(campaign_dir: Path) -> None:
    # RFC 5322 §2.2 allows HTAB in a field body.
    path = campaign_dir / "campaign.yaml"
    path.write_text(CAMPAIGN.replace("Terrex <news", "Terrex\\tNews <news", 1), encoding="utf-8")
    assert load_campaign_config(path).sender.from_addr == "Terrex\tNews <news@terrex.example>"
