"""Templates render sandboxed on every path that renders them: build, lint, preview, serve."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from b2bmail.campaign import render_campaign
from b2bmail.cli import main
from b2bmail.preview.model import view_campaign
from b2bmail.preview.server import PreviewService
from b2bmail.starter import scaffold_campaign

# Reaches the os module through a global's function internals; unsandboxed, it makes a folder.
ESCAPE = "{{{{ cycler.__init__.__globals__.os.mkdir({path!r}) }}}}"


@pytest.fixture
def campaign(tmp_path: Path) -> Path:
    scaffold_campaign(tmp_path / "c")
    return tmp_path / "c" / "campaign.yaml"


def _plant_in_hero(campaign: Path, payload: str) -> tuple[Path, int]:
    """Put `payload` on its own line in the hero partial; return the partial and that line."""
    hero = campaign.parent / "templates" / "partials" / "hero.mjml"
    text = hero.read_text(encoding="utf-8")
    anchor = "<p>{{ content.hero.text }}</p>\n"
    assert anchor in text
    line = text[: text.index(anchor)].count("\n") + 2
    hero.write_text(text.replace(anchor, anchor + payload + "\n", 1), encoding="utf-8")
    return hero.resolve(), line


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(("build", "--no-lint", "--out", "{out}"), id="build"),
        pytest.param(("lint",), id="lint-campaign"),
        pytest.param(("preview", "--out", "{out}"), id="preview"),
    ],
)
def test_template_reaching_python_internals_is_refused_with_file_and_line(
    campaign: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    marker = tmp_path / "pwned"
    hero, line = _plant_in_hero(campaign, ESCAPE.format(path=str(marker)))
    name, *options = command
    out = str(tmp_path / "o")
    code, _, err = _run(name, str(campaign), *(o.format(out=out) for o in options))
    assert not marker.exists()
    assert code == 2
    assert err.startswith(f"b2bmail: {hero}:{line}: unsafe template code refused: ")
    assert err.endswith(
        "— templates run sandboxed: use the data and filters given to them, not Python internals\n"
    )
    assert err.count("\n") == 1


def test_serve_shows_the_refusal_and_runs_nothing(campaign: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hero, line = _plant_in_hero(campaign, ESCAPE.format(path=str(marker)))
    state = PreviewService(campaign, view_campaign).rebuild()
    assert not marker.exists()
    assert state.error is not None
    assert (state.error.path, state.error.line) == (str(hero), line)
    assert state.error.message.startswith("unsafe template code refused: ")


def test_template_cannot_change_the_data_it_is_given(campaign: Path, tmp_path: Path) -> None:
    hero, line = _plant_in_hero(campaign, "{{ content.hero.update({'title': 'x'}) }}")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.startswith(f"b2bmail: {hero}:{line}: unsafe template code refused: ")


def test_campaign_field_is_sandboxed_too(campaign: Path, tmp_path: Path) -> None:
    text = campaign.read_text(encoding="utf-8")
    lines = text.splitlines()
    line = next(i for i, ln in enumerate(lines, 1) if ln.startswith("subject:"))
    marker = tmp_path / "pwned"
    lines[line - 1] = f'subject: "{ESCAPE.format(path=str(marker))}"'
    campaign.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = _run("build", str(campaign), "--no-lint", "--out", str(tmp_path / "o"))
    assert not marker.exists()
    assert code == 2
    assert err.startswith(f"b2bmail: {campaign}:{line}: in subject: unsafe template code refused: ")


def test_filters_helpers_and_merge_fields_still_work_sandboxed(campaign: Path) -> None:
    _plant_in_hero(
        campaign,
        "<p>{{ 1234.5 | money }} / {{ order_by_benefit(content.blocks) | length }}"
        " / {{ recipient.company | fallback('you') }}</p>",
    )
    seg = render_campaign(campaign, ["practitioners"]).segments[0]
    # en_GB pounds; the four starter blocks, all weighed by practitioners; the sample's company.
    assert ">£1,234.50 / 4 / Customer Ltd</p>" in seg.html


def test_make_environment_is_the_only_place_that_makes_a_jinja_environment() -> None:
    # An unsandboxed jinja2.Environment / Template anywhere else would be a way around the
    # sandbox; every path (build, lint, preview, serve) must get its environment from here.
    src = Path(__file__).resolve().parents[2] / "src" / "b2bmail"
    maker = re.compile(r"\b(?:Environment|Template|NativeEnvironment)\s*\(|from_string\s*\(")
    found = {
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if maker.search(path.read_text(encoding="utf-8"))
    }
    assert found == {"render/environment.py"}  # from_string on the sandbox's overlay only


def test_each_campaign_string_is_parsed_once_per_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A per-recipient build renders the subject, preheader and unsubscribe URL for each of
    # the 3 journey stages (tests/render/test_stages.py); each text is parsed by Jinja once.
    from tests.render.test_stages import write_campaign

    parsed: list[str] = []
    parse = jinja2.Environment._parse

    def counted(self: jinja2.Environment, source: str, *args: object) -> object:
        parsed.append(source)
        return parse(self, source, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "_parse", counted)
    build = render_campaign(write_campaign(tmp_path), stage_variants=True)
    assert [c.stage for c in build.segments[0].variants] == [
        "awareness",
        "consideration",
        "decision",
    ]
    campaign = build.campaign
    strings = [campaign.subject, campaign.preheader, campaign.unsubscribe.url]
    assert sorted(s for s in parsed if s in strings) == sorted(strings)
