"""A segment rule or a template naming a field no column gives, or one empty in every row, is
an error at the rule's or template's line, the same for every command that reads a list
(issue 14, "every column is reachable")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli.app import main
from b2bmail.errors import ConfigError, InputError
from b2bmail.recipients.needs import FieldUse, check_filled, check_given, template_uses

CAMPAIGN = """\
name: Besoins
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "Offre {{ recipient.company }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
sample_recipient: {email: a@b.example, company: Acme}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>Bonjour {{ recipient.company }},</mj-text>
  <mj-text>{{ BODY }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
# The rule on line 5 reads `company.size`, which the contact's own Effectif column gives.
SEGMENTS = """\
segments:
  - id: grands
    name: Grands comptes
    priority: 10
    rule: {field: FIELD, gte: 250}
  - {id: autres, name: Autres}
"""
LIST = "email;société;effectif;site\na@x.example;Acme;300;\nb@x.example;Bêta;12;\n"
ENV = {"B2BMAIL_UNSUBSCRIBE_SECRET": "k" * 32}


def make(tmp_path: Path, *, field: str = "company.size", body: str = "", rows: str = LIST) -> Path:
    files = {
        "campaign.yaml": CAMPAIGN,
        "email.mjml": TEMPLATE.replace("{{ BODY }}", body),
        "segments.yaml": SEGMENTS.replace("FIELD", field),
        "list.csv": rows,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def commands(tmp_path: Path) -> dict[str, list[str]]:
    """The four commands that read a list, each writing into tmp_path/out (or nowhere)."""
    campaign, listing, out = (str(tmp_path / n) for n in ("campaign.yaml", "list.csv", "out"))
    return {
        "segment": ["segment", listing, "--segments", str(tmp_path / "segments.yaml")],
        "build": ["build", campaign, "--recipients", listing, "--per-recipient", "--out", out],
        "export": ["export", campaign, "--esp", "brevo", "--recipients", listing, "--out", out],
        "send": ["send", campaign, "--recipients", listing, "--dry-run"],
    }


def run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args, env=ENV)
    return result.exit_code, result.stdout, result.stderr


COMMANDS = ["segment", "build", "export", "send"]


EMPTY_SIZES = "email;société;effectif\na@x.example;Acme;\nb@x.example;Bêta;\n"
RULE_CASES = {
    "no-column": (
        "compagny.size",
        LIST,
        "the segment rule reads compagny.size, and no column of list.csv gives it"
        " — did you mean company.size?",
    ),
    "empty": (
        "company.size",
        EMPTY_SIZES,
        "company.size is empty in every row of list.csv"
        " — fill the column, or take the field out of the rule",
    ),
}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", RULE_CASES)
def test_a_rule_field_given_by_no_column_or_empty_stops_every_command_at_the_rule(
    tmp_path: Path, command: str, case: str
) -> None:
    field, rows, message = RULE_CASES[case]
    make(tmp_path, field=field, rows=rows)
    code, out, err = run(commands(tmp_path)[command])
    assert (code, out) == (2, "")
    assert err == f"b2bmail: {tmp_path / 'segments.yaml'}:5: {message}\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_one_filled_row_is_enough(tmp_path: Path, command: str) -> None:
    # The limit: one row of two holds a size; the rule reads it, no error.
    make(tmp_path, rows="email;société;effectif\na@x.example;Acme;\nb@x.example;Bêta;300\n")
    code, _, err = run(commands(tmp_path)[command])
    assert (code, err) == (0, "")


TEMPLATE_CASES = {
    "no-column": (
        "{{ recipient.compagny.size | fallback('?') }}",
        "the template names recipient.compagny.size, and no column of list.csv gives it"
        " — did you mean recipient.company.size?",
    ),
    "empty": (
        "{{ recipient.site | fallback('-') }}",
        "recipient.site is empty in every row of list.csv"
        " — fill the column, or take the field out of the template",
    ),
}


@pytest.mark.parametrize("command", ["build", "export", "send"])
@pytest.mark.parametrize("case", TEMPLATE_CASES)
def test_a_merge_field_given_by_no_column_or_empty_stops_at_the_template_line(
    tmp_path: Path, command: str, case: str
) -> None:
    body, message = TEMPLATE_CASES[case]
    make(tmp_path, body=body)
    code, out, err = run(commands(tmp_path)[command])
    assert (code, out) == (2, "")
    assert err == f"b2bmail: {tmp_path / 'email.mjml'}:3: {message}\n"
    assert not (tmp_path / "out").exists()


def test_the_checks_alone() -> None:
    rule = FieldUse("secteur", Path("s.yaml"), 7, rule=True)
    with pytest.raises(ConfigError, match="did you mean sector") as info:
        check_given([rule], {"sector", "email"}, Path("l.csv"))
    assert (info.value.path, info.value.line) == ("s.yaml", 7)
    check_given([rule], {"secteur"}, Path("l.csv"))
    with pytest.raises(InputError, match=r"secteur is empty in every row of l\.csv"):
        check_filled([rule], {"sector"}, Path("l.csv"))
    check_filled([rule], {"secteur"}, Path("l.csv"))


def test_template_uses_find_the_first_line_in_each_spelling(tmp_path: Path) -> None:
    template = tmp_path / "t.mjml"
    template.write_text(
        "a\n{{ recipient . company . size }}\n{{ recipient['site'] }}\n{{ recipient.sizes }}\n",
        encoding="utf-8",
    )
    uses = template_uses(["company.size", "site", "size", "nowhere"], [template])
    assert [(u.name, u.line) for u in uses] == [
        ("company.size", 2),
        ("nowhere", None),
        ("site", 3),
        ("size", None),  # `sizes` is another field
    ]
