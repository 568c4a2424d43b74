"""`b2bmail build bad.yaml` in French and Dutch (issue 18): the one stderr line keeps
`b2bmail: file:line:` and says what is wrong and what to do in the reader's language."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail import i18n
from b2bmail.cli import main
from b2bmail.starter import scaffold_campaign


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    scaffold_campaign(tmp_path / "c")
    return tmp_path / "c" / "campaign.yaml"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "clé inconnue 'prehaeder' dans la campagne — vouliez-vous dire 'preheader' ?"),
        ("nl", "onbekende sleutel 'prehaeder' in de campagne — bedoelde u 'preheader'?"),
    ],
)
def test_build_of_a_bad_campaign_speaks_the_readers_language(
    campaign: Path, tmp_path: Path, language: str, expected: str
) -> None:
    text = campaign.read_text(encoding="utf-8")
    line = text[: text.index("preheader:")].count("\n") + 1
    campaign.write_text(text.replace("preheader:", "prehaeder:", 1), encoding="utf-8")
    out = tmp_path / "o"
    with i18n.using(language):
        result = CliRunner().invoke(main, ["build", str(campaign), "--no-lint", "--out", str(out)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"b2bmail: {campaign}:{line}: {expected}\n"
    assert not out.exists()


def test_build_of_a_bad_template_in_french(campaign: Path, tmp_path: Path) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    text = hero.read_text(encoding="utf-8")
    line = text[: text.index("{{ content.hero.text }}")].count("\n") + 1
    hero.write_text(text.replace("{{ content.hero.text }}", "{{ content.hero.text }", 1), "utf-8")
    with i18n.using("fr"):
        result = CliRunner().invoke(
            main, ["build", str(campaign), "--no-lint", "--out", str(tmp_path / "o")]
        )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"b2bmail: {hero}:{line}: erreur de syntaxe Jinja : ")
    assert result.stderr.endswith(" — vérifiez les balises {{ }} / {% %} sur cette ligne\n")


FIX = " — corrigez l'indentation ou les guillemets sur cette ligne"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PyYAML's own words reached the French line as they were ("expected the node
        # content, but found '<stream end>'").
        (
            "name: [\n",
            "2: erreur de syntaxe YAML : une valeur était attendue, mais le fichier se termine",
        ),
        (
            "name: a: b\n",
            "1: erreur de syntaxe YAML : une paire « clé: valeur » n’est pas permise ici",
        ),
        (
            "name: [1, 2\nsubject: x\n",
            "2: erreur de syntaxe YAML : ',' ou ']' était attendu, mais ':' a été trouvé"
            " (un tableau entre crochets [ ] commencé à la ligne 1)",
        ),
    ],
    ids=["unclosed-list", "colon-in-value", "list-run-on"],
)
def test_a_yaml_mistake_in_french(tmp_path: Path, text: str, expected: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with i18n.using("fr"):
        result = CliRunner().invoke(main, ["build", str(bad), "--out", str(tmp_path / "o")])
    assert (result.exit_code, result.stderr) == (2, f"b2bmail: {bad}:{expected}{FIX}\n")
