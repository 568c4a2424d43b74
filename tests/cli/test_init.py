import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from b2bmail.cli import main


def test_init_scaffolds_a_campaign_that_builds(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.stderr
    for name in ("campaign.yaml", "recipients.csv", "segments/segments.yaml", "templates/newsletter.mjml",
                 "templates/partials/footer.mjml"):  # fmt: skip
        assert (target / name).is_file(), name
        assert f"created {target / name}" in result.stdout
    built = CliRunner().invoke(
        main, ["build", str(target / "campaign.yaml"), "--out", str(tmp_path / "o"), "--no-lint"]
    )
    assert built.exit_code == 0, built.stderr
    assert (tmp_path / "o" / "manifest.json").is_file()


def test_init_into_an_empty_existing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0
    assert (tmp_path / "campaign.yaml").is_file()


def test_init_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"b2bmail: {tmp_path}: folder is not empty — choose a new folder name; nothing was overwritten\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_repository_templates_are_the_packaged_starter(tmp_path: Path) -> None:
    """One canonical copy: top-level templates/ and segments/ are the packaged starter."""
    root = Path(__file__).resolve().parents[2]
    CliRunner().invoke(main, ["init", str(tmp_path / "n")])
    for folder in ("templates", "segments"):
        repo = {
            p.relative_to(root / folder): p.read_bytes()
            for p in (root / folder).rglob("*")
            if p.is_file()
        }
        made = {
            p.relative_to(tmp_path / "n" / folder): p.read_bytes()
            for p in (tmp_path / "n" / folder).rglob("*")
            if p.is_file()
        }
        assert repo and repo == made


def test_init_languages_scaffolds_a_campaign_per_language(tmp_path: Path) -> None:
    from b2bmail.config import load_campaign_config

    folder = tmp_path / "c"
    result = CliRunner().invoke(main, ["init", str(folder), "--languages", "fr,en"], env=NO_LOCALE)
    assert result.exit_code == 0, result.output
    campaign = load_campaign_config(folder / "campaign.yaml")
    # fr first: the French starter (France) with its English words beside it.
    assert (campaign.languages, campaign.locale) == (("fr", "en"), "fr_FR")
    assert campaign.subject == "{{ content.edition }} : les nouveautés du mois"
    assert campaign.translations["en"]["subject"] == (
        "{{ content.edition }}: what's new for {{ segment.name | lower }}"
    )
    bad = CliRunner().invoke(main, ["init", str(tmp_path / "d"), "--languages", "fr,xx"])
    assert bad.exit_code == 2 and "'xx'" in bad.stderr
    assert not (tmp_path / "d").exists()


#: No locale variable set: the starter's default (en_GB).
NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}

# Fixed known values per locale: the standard VAT rate (European Commission, "VAT rates applied
# in the Member States", 2025: FR 20, BE 21, NL 21, DE 19; HMRC: UK 20), the formal salutation
# of the first sample recipient, an amount (149.90 excl. VAT) as the locale writes it with VAT,
# the month of the campaign's date (1 July 2026) as CLDR writes it, the register's name the
# country's law asks for in the footer.
LOCALES = {
    "fr_FR": ("20", "Madame Martin,", "179,88\xa0€", "juillet 2026", "RCS Paris", "Quantité"),
    "fr_BE": ("21", "Madame Dumont,", "181,38\xa0€", "juillet 2026", "BCE 0000.000.000", "Quantité"),
    "nl_NL": ("21", "Geachte mevrouw de Vries,", "€\xa0181,38", "juli 2026", "KvK 00000000", "Aantal"),
    "nl_BE": ("21", "Geachte mevrouw Peeters,", "€\xa0181,38", "juli 2026", "KBO 0000.000.000", "Aantal"),
    "de_DE": ("19", "Sehr geehrte Frau Schneider,", "178,38\xa0€", "Juli 2026", "Handelsregister", "Menge"),
    "en_GB": ("20", "Dear Mr Taylor,", "£179.88", "July 2026", "Companies House", "Quantity"),
}  # fmt: skip


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_init_locale_builds_and_lints_without_errors(tmp_path: Path, locale: str) -> None:
    vat, salutation, amount, month, register, quantity = LOCALES[locale]
    folder, out = tmp_path / "c", tmp_path / "out"
    made = CliRunner().invoke(main, ["init", str(folder), "--locale", locale], env=NO_LOCALE)
    assert made.exit_code == 0, made.stderr
    campaign = (folder / "campaign.yaml").read_text(encoding="utf-8")
    assert f"locale: {locale}\n" in campaign
    assert f"vat_rate: {vat}\n" in campaign
    # The legal mentions are marked as fields to fill in, in the locale's language.
    legal = campaign[campaign.index("  legal:") :].splitlines()[1:]
    assert legal and all(line.endswith(LEGAL_MARK[locale[:2]]) for line in legal)
    built = CliRunner().invoke(main, ["build", str(folder / "campaign.yaml"), "--out", str(out)])
    assert built.exit_code == 0, built.output  # the build's lint gate: no error-level problem
    text = (out / "decision-makers" / "email.txt").read_text(encoding="utf-8")
    for expected in (salutation, amount, month, register, quantity, f"{vat}"):
        assert expected in text, (expected, text)
    linted = CliRunner().invoke(main, ["lint", str(out), "--format", "json"])
    assert linted.exit_code in (0, 1), linted.output
    assert [p for p in json.loads(linted.stdout)["problems"] if p["severity"] == "error"] == []


LEGAL_MARK = {
    "fr": "# à compléter",
    "nl": "# in te vullen",
    "de": "# auszufüllen",
    "en": "# to fill in",
}


@pytest.mark.parametrize("locale", [None, *sorted(LOCALES)])
def test_init_sample_recipients_are_all_valid(tmp_path: Path, locale: str | None) -> None:
    folder = tmp_path / "c"
    args = ["init", str(folder)] + (["--locale", locale] if locale else [])
    assert CliRunner().invoke(main, args, env=NO_LOCALE).exit_code == 0
    result = CliRunner().invoke(
        main,
        ["segment", str(folder / "recipients.csv"), "--segments",
         str(folder / "segments" / "segments.yaml"), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["buckets"]["invalid"] == 0
    assert sum(report["buckets"].values()) == 5


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr_FR"),
        ({"LANG": "nl_BE.UTF-8"}, "nl_BE"),
        ({"LC_MESSAGES": "de_DE.UTF-8", "LANG": "fr_FR.UTF-8"}, "de_DE"),
        # POSIX: the first variable set decides, even when it names no starter locale.
        ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en_GB"),
        ({"LANG": "en_US.UTF-8"}, "en_GB"),
        ({}, "en_GB"),
    ],
    ids=["LANG", "nl_BE", "LC_MESSAGES", "LC_ALL=C", "en_US", "none"],
)
def test_init_takes_the_locale_from_the_environment(
    tmp_path: Path, environ: dict[str, str], expected: str
) -> None:
    folder = tmp_path / "c"
    result = CliRunner().invoke(main, ["init", str(folder)], env={**NO_LOCALE, **environ})
    assert result.exit_code == 0, result.stderr
    assert f"\nlocale: {expected}\n" in (folder / "campaign.yaml").read_text(encoding="utf-8")


def test_init_locale_with_languages_words_each_language(tmp_path: Path) -> None:
    from b2bmail.config import load_campaign_config

    folder = tmp_path / "c"
    args = ["init", str(folder), "--locale", "fr_BE", "--languages", "fr,nl"]
    assert CliRunner().invoke(main, args, env=NO_LOCALE).exit_code == 0
    campaign = load_campaign_config(folder / "campaign.yaml")
    assert (campaign.languages, campaign.locale) == (("fr", "nl"), "fr_BE")
    assert (
        campaign.translations["nl"]["subject"] == "{{ content.edition }}: het nieuws van deze maand"
    )
    assert campaign.translations["nl"]["content"]["edition"] == "juli 2026"
    assert campaign.content["edition"] == "juillet 2026"
    built = CliRunner().invoke(
        main, ["build", str(folder / "campaign.yaml"), "--out", str(tmp_path / "o")]
    )
    assert built.exit_code == 0, built.output


@pytest.mark.parametrize(
    ("lang", "languages", "expected"),
    [
        ("fr_BE.UTF-8", "nl,fr", "locale: nl_BE\nlanguages:\n- nl\n- fr\n"),
        ("fr_BE.UTF-8", "fr,nl", "locale: fr_BE\nlanguages:\n- fr\n- nl\n"),
        ("de_DE.UTF-8", "nl,de", "locale: nl_NL\nlanguages:\n- nl\n- de\n"),
    ],
)
def test_init_languages_without_locale_keep_the_environments_country(
    tmp_path: Path, lang: str, languages: str, expected: str
) -> None:
    folder = tmp_path / "c"
    args = ["init", str(folder), "--languages", languages]
    result = CliRunner().invoke(main, args, env={**NO_LOCALE, "LANG": lang})
    assert result.exit_code == 0, result.stderr
    assert expected in (folder / "campaign.yaml").read_text(encoding="utf-8")


def test_init_locale_and_languages_must_agree_on_the_default(tmp_path: Path) -> None:
    args = ["init", str(tmp_path / "c"), "--locale", "fr_BE", "--languages", "nl,fr"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == (
        "b2bmail: --languages: it starts with nl, but --locale fr_BE is in fr"
        " — put fr first (the default language), e.g. --languages fr,nl\n"
    )
    assert not (tmp_path / "c").exists()


def test_init_refuses_an_unknown_locale(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "c"), "--locale", "es_ES"])
    assert result.exit_code == 2 and "'es_ES'" in result.stderr
    assert not (tmp_path / "c").exists()


def test_init_language_without_starter_words_is_marked_to_translate(tmp_path: Path) -> None:
    from b2bmail.config import load_campaign_config

    folder = tmp_path / "c"
    args = ["init", str(folder), "--languages", "es,en"]
    assert CliRunner().invoke(main, args, env=NO_LOCALE).exit_code == 0
    text = (folder / "campaign.yaml").read_text(encoding="utf-8")
    assert "\n# es: to translate\n" in text
    campaign = load_campaign_config(folder / "campaign.yaml")
    # No Spanish words in the starter: Spanish starts as a copy of the English, to translate.
    assert campaign.languages == ("es", "en")
    assert campaign.translations["en"]["subject"] == campaign.subject
    built = CliRunner().invoke(
        main, ["build", str(folder / "campaign.yaml"), "--out", str(tmp_path / "o")]
    )
    assert built.exit_code == 0, built.output


def test_init_languages_builds_one_folder_per_language(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    assert CliRunner().invoke(main, ["init", str(folder), "--languages", "fr,en"]).exit_code == 0
    out = tmp_path / "o"
    built = CliRunner().invoke(main, ["build", str(folder / "campaign.yaml"), "--out", str(out)])
    assert built.exit_code in (0, 1), built.stderr
    # A lint problem names the language samples that show it, each once (the localized
    # starter lints clean, so there may be none to name).
    named = [line.split(": [", 1)[1].split("]")[0].split(",") for line in built.stdout.splitlines() if ": [" in line]  # fmt: skip
    assert all(len(set(labels)) == len(labels) for labels in named)
    for segment in ("decision-makers", "practitioners", "everyone-else"):
        assert sorted(p.name for p in (out / segment).iterdir()) == ["en", "fr"]
        for lang in ("en", "fr"):
            assert (out / segment / lang / "email.eml").is_file()
            # The summary has a row per segment and language.
            assert f"\n{segment}/{lang} " in built.stdout
    # The starter's <html lang> follows each language's locale (fr_FR, and en_FR: English
    # in the campaign's country, a CLDR locale), as a BCP 47 tag.
    assert 'lang="fr-FR"' in (out / "practitioners" / "fr" / "email.html").read_text(
        encoding="utf-8"
    )
    assert 'lang="en-FR"' in (out / "practitioners" / "en" / "email.html").read_text(
        encoding="utf-8"
    )
