"""Recipient logic in templates: one compiled variant per distinct combination of the values
the template's logic reads, each recipient routed to its variant (issue 14 part 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.personalize.test_build import parse, texts

from b2bmail.campaign import render_campaign
from b2bmail.errors import InputError, TemplateError
from b2bmail.personalize.build import build_per_recipient
from b2bmail.personalize.plan import VariantRouter

CAMPAIGN = """\
name: Variantes
locale: fr_FR
sender: {from: "Durand <news@durand.example>"}
subject: "{% if recipient.country in ['BE', 'LU'] %}Offre Benelux{% else %}Offre{% endif %}"
preheader: "{{ recipient.company | upper }}"
template: email.mjml
segments: segments.yaml
unsubscribe: {url: "https://durand.example/u/{{ recipient.unsubscribe_token }}"}
company: {name: Durand, postal_address: "1 rue X, 75001 Paris"}
list_id: "Durand <news.durand.example>"
sample_recipient: {email: a@b.example, civility: ms, last_name: "Le Goff", country: FR}
content: {price: 100}
"""
TEMPLATE = """\
<mjml><mj-body><mj-section><mj-column>
  <mj-text>{% if recipient.civility == "ms" %}Madame{% else %}Monsieur{% endif %} {{ recipient.last_name }},</mj-text>
  <mj-text>{% if recipient.size and recipient.size | int >= 250 %}Grand compte{% else %}PME{% endif %}</mj-text>
  <mj-text>{{ preheader }}</mj-text>
  <mj-text>Prix TTC : {{ content.price | ttc(recipient.country | vat_rate) | money }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""
SEGMENTS = "segments:\n  - {id: tous, name: Tous}\n"
LIST = (
    "email;civilité;nom;pays;société;effectif\n"
    "a@x.example;Mme;Dupont;France;Acme;300\n"
    "b@x.example;M.;Martin;Belgique;Bêta & fils;12\n"
    "c@x.example;Madame;Durand;France;Gamma;\n"
    "d@x.example;Mme;Petit;Luxembourg;Delta;250\n"
)


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    files = {"campaign.yaml": CAMPAIGN, "email.mjml": TEMPLATE, "segments.yaml": SEGMENTS}
    for name, text in {**files, "list.csv": LIST}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path / "campaign.yaml"


def test_each_recipient_gets_the_branches_of_its_own_values(campaign: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
    )
    assert report.messages == 4
    # Expected by hand: VAT 20 % in FR, 21 % in BE, 17 % in LU (European Commission, 2025).
    expected = {
        "000002-a@x.example": ("Offre", "ACME", "Madame Dupont,", "Grand compte", "120,00"),
        "000003-b@x.example": ("Offre Benelux", "BÊTA & FILS", "Monsieur Martin,", "PME", "121,00"),
        "000004-c@x.example": ("Offre", "GAMMA", "Madame Durand,", "PME", "120,00"),
        "000005-d@x.example": ("Offre Benelux", "DELTA", "Madame Petit,", "Grand compte", "117,00"),
    }
    for name, (subject, preheader, greeting, size, price) in expected.items():
        msg = parse((out / "tous" / f"{name}.eml").read_bytes())
        assert msg["Subject"] == subject
        text = texts(msg)[0]
        lines = [line.strip() for line in text.splitlines()]
        assert greeting in lines
        assert size in lines
        assert f"Prix TTC : {price}\xa0€" in lines
        assert preheader in lines
    # Variants: the (country, company, civility, size) combinations the template reads.
    data = json.loads((out / "personalize.json").read_text())
    assert data["variants"] == {"tous": 4}
    assert report.variants == {"tous": 4}


def test_more_variants_than_the_limit_stop_the_build_naming_the_fields(campaign: Path) -> None:
    build = render_campaign(campaign, stage_variants=True)
    (segment,) = build.segments
    assert segment.compile_variant is not None
    router = VariantRouter(segment.compile_variant, build.campaign.date, limit=2)
    fr = {"country": "FR", "company": "A", "civility": "ms", "size": "1"}
    router.plan(fr)
    router.plan({**fr, "company": "B"})
    router.plan(fr)  # the same values again: compiled once, cached
    assert router.compiled == 2  # at the limit
    with pytest.raises(TemplateError, match=r"recipient\.country, recipient\.company.* than 2"):
        router.plan({**fr, "company": "C"})


def write_template(folder: Path, body: str) -> None:
    (folder / "email.mjml").write_text(
        f"<mjml><mj-body><mj-section><mj-column><mj-text>{body}</mj-text>"
        "</mj-column></mj-section></mj-body></mjml>\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        # A merge field and a test on a field no column gives, each with a close known name.
        ("{{ recipient.compagny.size | fallback('?') }}", "did you mean recipient.company.size"),
        ("{% if recipient.civilty == 'ms' %}x{% endif %}", "did you mean recipient.civility"),
        ("{{ recipient.zzz | fallback('-') }}", "add the column"),
    ],
)
def test_a_field_no_column_gives_is_an_error_with_a_suggestion(
    campaign: Path, tmp_path: Path, expression: str, message: str
) -> None:
    write_template(tmp_path, expression)
    with pytest.raises(TemplateError, match=message):
        build_per_recipient(
            campaign,
            tmp_path / "list.csv",
            out_dir=tmp_path / "out",
            environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
        )
    assert not (tmp_path / "out").exists()


def test_columns_are_reachable_by_slug_and_company_fields_fall_back_to_the_contacts(
    campaign: Path, tmp_path: Path
) -> None:
    (tmp_path / "email.mjml").write_text(
        "<mjml><mj-body><mj-section><mj-column><mj-text>"
        '{% if recipient.civilite == "Mme" %}Madame{% else %}Monsieur{% endif %} '
        "{{ recipient.company.size | fallback('?') }} {{ recipient.company.country | fallback('-') }}"
        "</mj-text></mj-column></mj-section></mj-body></mjml>\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    build_per_recipient(
        campaign, tmp_path / "list.csv", out_dir=out, environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}
    )
    lines = {
        name: texts(parse((out / "tous" / f"{name}.eml").read_bytes()))[0].strip()
        for name in ("000002-a@x.example", "000003-b@x.example", "000004-c@x.example")
    }
    assert lines == {
        "000002-a@x.example": "Madame 300 FR",
        "000003-b@x.example": "Monsieur 12 BE",
        "000004-c@x.example": "Monsieur ? FR",  # typed `Madame`, not `Mme`: as the test says
    }


@pytest.mark.parametrize(
    ("expression", "filled"),
    [
        ("{{ recipient.website | fallback('-') }}", True),
        ("{{ recipient.website | fallback('-') }}", False),
        ("{% if recipient.website %}site{% endif %}", True),
        ("{% if recipient.website %}site{% endif %}", False),
    ],
)
def test_a_field_empty_in_every_row_is_an_error(
    campaign: Path, tmp_path: Path, expression: str, filled: bool
) -> None:
    write_template(tmp_path, expression)
    # One row with a website is enough (the limit); none is the error.
    last = "https://d.example/" if filled else ""
    (tmp_path / "list.csv").write_text(
        f"email;pays;société;website\na@x.example;FR;A;\nb@x.example;FR;B;{last}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    if filled:
        report = build_per_recipient(
            campaign,
            tmp_path / "list.csv",
            out_dir=out,
            environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
        )
        assert report.messages == 2
        return
    with pytest.raises(InputError, match=r"recipient\.website is empty in every row"):
        build_per_recipient(
            campaign,
            tmp_path / "list.csv",
            out_dir=out,
            environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
        )
    assert not out.exists()


def test_the_usual_walk_finds_the_plan_the_general_walk_finds(campaign: Path) -> None:
    """VariantRouter.plan looks a text value up as it is when a branch has it as a key; it
    must land on the plan the general walk (each value through selector_value) gives, for
    values with control characters, blanks, missing fields and several values too."""
    build = render_campaign(campaign, stage_variants=True)
    (segment,) = build.segments
    assert segment.compile_variant is not None
    router = VariantRouter(segment.compile_variant, build.campaign.date)
    fr: dict[str, object] = {"country": "FR", "company": "A", "civility": "ms", "size": "300"}
    cases: list[dict[str, object]] = [
        fr,
        {**fr, "country": "BE"},
        {**fr, "company": "A\x00"},  # cleaned to "A": the same variant as fr
        {**fr, "company": "B\u200b"},  # an invisible character, removed
        {**fr, "civility": ""},
        {k: v for k, v in fr.items() if k != "size"},  # missing: None
        {**fr, "civility": ["ms", "mr"]},  # several values: a frozenset
        {**fr, "country": "BE"},  # seen before
    ]
    for values in cases * 2:  # the second time round every leaf exists
        assert router.plan(values) is router._walk(values), values
    assert router.plan({**fr, "company": "A\x00"}) is router.plan(fr)


def test_a_value_the_template_cannot_take_stops_at_the_lists_row(
    campaign: Path, tmp_path: Path
) -> None:
    # `| vat_rate` needs a country code; "Atlantis" normalises to none. The build stops (no
    # message written) at the list's line 4, and says which template line could not take it.
    rows = LIST.splitlines()
    rows.insert(3, "e@x.example;Mme;Morel;Atlantis;Epsilon;40")
    (tmp_path / "bad.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out, box = tmp_path / "out", tmp_path / "all.mbox"
    with pytest.raises(InputError) as caught:
        build_per_recipient(
            campaign,
            tmp_path / "bad.csv",
            out_dir=out,
            mbox=box,
            environ={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
        )
    error = caught.value
    assert (error.path, error.line) == (str(tmp_path / "bad.csv"), 4)
    assert "'Atlantis'" in error.message
    assert f"{tmp_path / 'email.mjml'}:5 " in error.message  # the vat_rate line
    assert str(error).startswith(f"{tmp_path / 'bad.csv'}:4: ")
    assert not out.exists() and not box.exists()


def test_the_cli_names_the_row_of_a_value_the_template_cannot_take(
    campaign: Path, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from b2bmail.cli import main

    (tmp_path / "bad.csv").write_text(
        LIST + "e@x.example;Mme;Morel;Atlantis;Epsilon;40\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        main,
        [
            "build",
            str(campaign),
            "--recipients",
            str(tmp_path / "bad.csv"),
            "--mbox",
            str(tmp_path / "all.mbox"),
        ],
        env={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"},
    )
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"b2bmail: {tmp_path / 'bad.csv'}:6: ")
    assert "Traceback" not in result.output


def test_export_names_the_row_of_a_value_the_template_cannot_take(
    campaign: Path, tmp_path: Path
) -> None:
    # The export routes the list through the same VariantRouter: the same error, the same row.
    from click.testing import CliRunner

    from b2bmail.cli import main

    (tmp_path / "bad.csv").write_text(
        LIST + "e@x.example;Mme;Morel;Atlantis;Epsilon;40\n", encoding="utf-8"
    )
    args = ["export", str(campaign), "--esp", "brevo", "--recipients", str(tmp_path / "bad.csv")]
    result = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "export")])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"b2bmail: {tmp_path / 'bad.csv'}:6: 'Atlantis' ")
    assert not (tmp_path / "export").exists()
