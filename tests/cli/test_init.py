from pathlib import Path

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
    result = CliRunner().invoke(main, ["init", str(folder), "--languages", "fr,en"])
    assert result.exit_code == 0, result.output
    campaign = load_campaign_config(folder / "campaign.yaml")
    assert (campaign.languages, campaign.locale) == (("fr", "en"), "fr")
    assert campaign.translations["en"]["subject"] == campaign.subject  # to translate
    bad = CliRunner().invoke(main, ["init", str(tmp_path / "d"), "--languages", "fr,xx"])
    assert bad.exit_code == 2 and "'xx'" in bad.stderr
    assert not (tmp_path / "d").exists()


def test_init_languages_builds_one_folder_per_language(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    assert CliRunner().invoke(main, ["init", str(folder), "--languages", "fr,en"]).exit_code == 0
    out = tmp_path / "o"
    built = CliRunner().invoke(main, ["build", str(folder / "campaign.yaml"), "--out", str(out)])
    assert built.exit_code in (0, 1), built.stderr
    # A lint problem names the language samples that show it, each once.
    named = [line.split(": [", 1)[1].split("]")[0].split(",") for line in built.stdout.splitlines() if ": [" in line]  # fmt: skip
    assert named and all(len(set(labels)) == len(labels) for labels in named)
    assert any("decision-makers/fr" in labels for labels in named)
    for segment in ("decision-makers", "practitioners", "everyone-else"):
        assert sorted(p.name for p in (out / segment).iterdir()) == ["en", "fr"]
        for lang in ("en", "fr"):
            assert (out / segment / lang / "email.eml").is_file()
            # The summary has a row per segment and language.
            assert f"\n{segment}/{lang} " in built.stdout
    # The starter's <html lang> follows each language (its locale: fr, en).
    assert 'lang="fr"' in (out / "practitioners" / "fr" / "email.html").read_text(encoding="utf-8")
    assert 'lang="en"' in (out / "practitioners" / "en" / "email.html").read_text(encoding="utf-8")
