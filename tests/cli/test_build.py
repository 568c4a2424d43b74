import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.render.eml_checks import assert_crlf

from b2bmail.campaign import BuildReport
from b2bmail.cli import main
from b2bmail.cli.build import _summary
from b2bmail.lint.problem import Problem
from b2bmail.starter import scaffold_campaign


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    scaffold_campaign(tmp_path / "c")
    return tmp_path / "c" / "campaign.yaml"


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line(path: Path, text: str) -> int:
    """1-based line of the first occurrence of `text` (so tests survive template edits)."""
    content = path.read_text(encoding="utf-8")
    assert text in content, text
    return content[: content.index(text)].count("\n") + 1


def test_build_writes_output_and_summary(campaign: Path, tmp_path: Path) -> None:
    code, out, err = _run("build", str(campaign), "--out", str(tmp_path / "o"), "--no-lint")
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["segment", "subject", "html", "text", "eml", "lint"]
    assert "decision-makers  July 2026: what's new for decision makers" in out
    assert f"wrote 3 segment(s) to {tmp_path / 'o'}/ (manifest.json)" in out
    assert (tmp_path / "o" / "practitioners" / "email.eml").is_file()
    for eml in (tmp_path / "o").glob("*/email.eml"):
        assert_crlf(eml.read_bytes())  # RFC 5322 §2.1: every line of the sample ends in CRLF


def test_segment_and_date_options(campaign: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        "build", str(campaign), "--out", str(tmp_path / "o"), "--no-lint",
        "--segment", "practitioners", "--date", "2026-09-01T07:30:00+02:00",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert [p.name for p in (tmp_path / "o").iterdir() if p.is_dir()] == ["practitioners"]
    eml = (tmp_path / "o" / "practitioners" / "email.eml").read_text(encoding="utf-8")
    assert "Date: Tue, 01 Sep 2026 07:30:00 +0200" in eml


def _fails(campaign: Path, tmp_path: Path, expected: str, *extra: str) -> None:
    code, out, err = _run("build", str(campaign), "--out", str(tmp_path / "o"), "--no-lint", *extra)
    assert code == 2, out
    assert err == f"b2bmail: {expected}\n"
    assert not (tmp_path / "o").exists()


def test_missing_campaign_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    _fails(
        path,
        tmp_path,
        f"{path}: campaign file not found — check the path (relative paths start at the current folder)",
    )


def test_yaml_syntax_error_with_line(campaign: Path, tmp_path: Path) -> None:
    _edit(campaign, "locale: en_GB", "locale: [en_GB")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(f"b2bmail: {campaign}:5: YAML syntax error: ")
    assert "started on line 4" in err


def test_unknown_key_suggests(campaign: Path, tmp_path: Path) -> None:
    _edit(campaign, "preheader:", "prehaeder:")
    _fails(
        campaign,
        tmp_path,
        f"{campaign}:9: unknown key 'prehaeder' in the campaign — did you mean 'preheader'?",
    )


def test_jinja_syntax_error_with_template_and_line(campaign: Path, tmp_path: Path) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    line = _line(hero, "<p>{{ content.hero.text }}</p>")
    _edit(hero, "<p>{{ content.hero.text }}</p>", "<p>{{ content.hero.text }</p>")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(f"b2bmail: {hero.resolve()}:{line}: Jinja syntax error: ")
    assert err.endswith("— check the {{ }} / {% %} tags on that line\n")


HINT = "define it in the campaign's content or the segment's variables, or fix the name"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("{{ content.hero.txt }}", f"'dict object' has no attribute 'txt' — {HINT}"),
        (
            # An imported Mailjet template: {{FirstName}} is Mailjet's merge tag.
            "{{FirstName}} {{ content.hero.text }}",
            f"'FirstName' is undefined — {HINT}; if it is another tool's merge tag, write "
            "{{ recipient.first_name }}, which b2bmail fills per recipient (literal {{ }} is "
            "refused in the output, even from {% raw %})",
        ),
    ],
    ids=["attribute", "esp-merge-tag"],
)
def test_undefined_variable_with_template_and_line(
    campaign: Path, tmp_path: Path, written: str, message: str
) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    line = _line(hero, "{{ content.hero.text }}")
    _edit(hero, "{{ content.hero.text }}", written)
    _fails(campaign, tmp_path, f"{hero.resolve()}:{line}: undefined variable: {message}")


def test_esp_merge_tag_hint_leads_to_a_build(campaign: Path, tmp_path: Path) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    # What the hint says: {% raw %} does not keep a merge tag through the build…
    _edit(hero, "{{ content.hero.text }}", "{% raw %}{{FirstName}}{% endraw %}")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "raw"))
    assert code == 2 and "unresolved template syntax '{{' in the output" in err
    # …and the merge field it names builds.
    _edit(hero, "{% raw %}{{FirstName}}{% endraw %}", "{{ recipient.first_name }}")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "ok"))
    assert (code, err) == (0, "")


def test_unknown_mjml_tag_with_location(campaign: Path, tmp_path: Path) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    line = _line(hero, "<mj-text>\n")
    _edit(hero, "<mj-text>\n", "<mj-txt>\n")
    _edit(hero, "</mj-text>\n      </mj-column>", "</mj-txt>\n      </mj-column>")
    _fails(
        campaign, tmp_path,
        f"{hero.resolve()}:{line}: unknown MJML tag <mj-txt> — see https://documentation.mjml.io/#components "
        "for the MJML 4 components",
    )  # fmt: skip


def test_mjml_structure_error(campaign: Path, tmp_path: Path) -> None:
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    _edit(hero, "      <mj-column>\n", "")
    _edit(hero, "      </mj-column>\n", "")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "(rendered by Jinja):" in err
    assert "<mj-text> cannot be inside <mj-section> — put it in <mj-column> or <mj-hero>" in err


def test_unknown_segment(campaign: Path, tmp_path: Path) -> None:
    segments = (campaign.parent / "segments" / "segments.yaml").resolve()
    _fails(
        campaign, tmp_path,
        f"{segments}: no segment with id 'nope' — known ids: decision-makers, practitioners, everyone-else",
        "--segment", "nope",
    )  # fmt: skip


def test_bad_date_option(campaign: Path, tmp_path: Path) -> None:
    _fails(
        campaign,
        tmp_path,
        "date 'soon' is not an ISO 8601 date-time — e.g. 2026-07-01T08:00:00+02:00",
        "--date",
        "soon",
    )


def test_help_has_example() -> None:
    code, out, _ = _run("build", "--help")
    assert code == 0 and "Example:" in out and "--no-lint-gate" in out


def test_example_campaign_builds_and_lints_clean(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "heavy-equipment" / "campaign.yaml"
    code, out, err = _run("build", str(example), "--out", str(tmp_path / "demo"))
    assert (code, err) == (0, "")
    for seg in ("mining", "aggregates", "construction", "rental"):
        assert re.search(rf"^{seg} .* 0 err, 0 warn, \d+ info$", out, re.M), out


def test_lint_gate_fails_on_error_level_problems(campaign: Path, tmp_path: Path) -> None:
    _edit(campaign, 'url: "https://www.example.com/quality"', 'url: "#"')
    code, out, err = _run("build", str(campaign), "--out", str(tmp_path / "o"))
    assert code == 1, out
    assert err == ""
    # Placed at its source, the campaign line that sets the link (its label), once for the
    # three segments that show it.
    line = _line(campaign, "link: {label: Read the test report")
    segments = r"\[decision-makers,practitioners,everyone-else\]"
    assert re.search(
        rf"^{re.escape(str(campaign))}:{line}: {segments} error: B2B601 empty-link: ",
        out,
        re.M,
    ), out
    assert (tmp_path / "o" / "manifest.json").is_file()  # written, so it can be inspected
    code, out, _ = _run("build", str(campaign), "--out", str(tmp_path / "o"), "--no-lint-gate")
    assert code == 0
    assert "B2B601" in out


def test_json_format_lists_manifest_and_problems(campaign: Path, tmp_path: Path) -> None:
    code, out, _ = _run("build", str(campaign), "--out", str(tmp_path / "o"), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [s["id"] for s in data["segments"]] == [
        "decision-makers",
        "practitioners",
        "everyone-else",
    ]
    assert all(p["severity"] != "error" for p in data["problems"])
    assert data == dict(
        json.loads((tmp_path / "o" / "manifest.json").read_text(encoding="utf-8")),
        problems=data["problems"],
    )


def test_missing_partial(campaign: Path, tmp_path: Path) -> None:
    page = campaign.parent / "templates" / "newsletter.mjml"
    _edit(page, '{% include "partials/hero.mjml" %}', '{% include "partials/heros.mjml" %}')
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(
        f"b2bmail: {page.resolve()}:5: template 'partials/heros.mjml' not found — "
    )


def test_jinja_left_in_content_is_caught(campaign: Path, tmp_path: Path) -> None:
    _edit(
        campaign,
        "text: Our new line passed 10,000 hours of endurance testing.",
        "text: '{{ price }} tested.'",
    )
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert "unresolved template syntax '{{' in the output" in err


def test_undefined_variable_in_subject_points_at_its_line(campaign: Path, tmp_path: Path) -> None:
    _edit(campaign, "{{ content.edition }}:", "{{ content.editon }}:")
    _fails(
        campaign, tmp_path,
        f"{campaign}:8: in subject: undefined variable: 'dict object' has no attribute 'editon' — "
        "define it in the campaign's content or the segment's variables, or fix the name",
    )  # fmt: skip


def test_segment_stage_that_is_not_a_journey_stage(campaign: Path, tmp_path: Path) -> None:
    # The error names the line of the segments file where the stage is set.
    segments = campaign.parent / "segments" / "segments.yaml"
    _edit(segments, "variables: {stage: consideration}", "variables: {stage: soon}")
    _fails(
        campaign, tmp_path,
        f"{segments}:25: segment 'practitioners': variable stage is 'soon', not a journey stage "
        "— use one of: awareness, consideration, decision",
    )  # fmt: skip


def test_per_recipient_build_of_the_starter_follows_each_contacts_stage(
    campaign: Path, tmp_path: Path
) -> None:
    import csv
    from email import policy
    from email.parser import BytesParser

    import yaml

    recipients = campaign.parent / "recipients.csv"
    with open(recipients, encoding="utf-8", newline="") as fh:
        stages = {row["email"]: row["stage"] for row in csv.DictReader(fh)}
    cta = yaml.safe_load(campaign.read_text(encoding="utf-8"))["content"]["cta"]
    urls = {stage: cta[stage]["url"] for stage in ("awareness", "consideration", "decision")}
    out = tmp_path / "send"
    result = CliRunner(env={"B2BMAIL_UNSUBSCRIBE_SECRET": "k"}).invoke(
        main,
        ["build", str(campaign), "--recipients", str(recipients), "--per-recipient",
         "--out", str(out), "--format", "json"],
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert report["messages"] > 0 and sum(report["stages"].values()) == report["messages"]
    checked = 0
    for path in out.rglob("*.eml"):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = msg.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        shown = [stage for stage, url in urls.items() if f"{url}?" in text]
        expected = stages[msg["To"].addresses[0].addr_spec]
        assert shown == [expected], path.name
        checked += 1
    assert checked == report["messages"]


def test_summary_escapes_control_characters_of_lint_messages() -> None:
    # A lint message quoting the email may hold a newline: it must not start a line of its own
    # (CI reads `::warning …` at a line start as a GitHub Actions workflow command).
    problem = Problem(
        "o/a/email.html", "B2B312", "external-stylesheet", "error", "x.css\n::warning::pwned\x01", 3
    )
    report = BuildReport(
        build=None,  # type: ignore[arg-type]  # the summary reads the manifest and problems only
        out_dir=Path("o"),
        manifest={"segments": []},
        problems=(problem,),
        linted=True,
    )
    assert _summary(report).splitlines()[-1] == (
        "o/a/email.html:3: error: B2B312 external-stylesheet: x.css\\n::warning::pwned\\x01"
    )


def deepen(template: Path) -> None:
    """Put 10,000 nested divs in the template's body (MRML crashed on them: SIGSEGV)."""
    deep = "<div>" * 10_000 + "</div>" * 10_000
    _edit(
        template,
        "{% block body %}",
        "{% block body %}<mj-section><mj-column><mj-text>" + deep + "</mj-text></mj-column>"
        "</mj-section>",
    )


def test_mjml_nested_too_deep_stops_the_build_with_one_line(campaign: Path, tmp_path: Path) -> None:
    deepen(campaign.parent / "templates" / "newsletter.mjml")
    # In a process of its own: MRML's crash would take the test run down with it.
    result = subprocess.run(
        [sys.executable, "-m", "b2bmail", "build", str(campaign), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    [line] = result.stderr.splitlines()
    rendered = f"b2bmail: {campaign.parent / 'templates' / 'newsletter.mjml'} (rendered by Jinja):"
    assert re.fullmatch(
        re.escape(rendered) + r"\d+: <div> is nested more than 100 levels deep: MJML is never this "
        r"deep, and MRML crashes on it — flatten the markup",
        line,
    )
