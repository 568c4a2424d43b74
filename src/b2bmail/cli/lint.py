"""`b2bmail` commands: lint, rules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from b2bmail.cli.app import EXIT_FINDINGS, EXIT_OK, main
from b2bmail.cli.options import format_option, out_option
from b2bmail.cli.verbosity import VERBOSE, say, shows, timed
from b2bmail.errors import B2bmailError, InputError
from b2bmail.i18n import _
from b2bmail.lint.api import LintReport, has_errors, lint_paths, unreadable_problem
from b2bmail.lint.config import LintConfig, find_pyproject, load_lint_config
from b2bmail.lint.explain import explain_rule, list_rules
from b2bmail.lint.formats import format_problems, summary
from b2bmail.lint.problem import Problem
from b2bmail.lint.registry import Rule, all_rules, find_rule
from b2bmail.lint.sources import LINTABLE_SUFFIXES
from b2bmail.output import check_outputs, json_document, write_atomic

CAMPAIGN_SUFFIXES = (".yaml", ".yml")


def _split(values: tuple[str, ...]) -> list[str]:
    return [item for value in values for item in value.replace(",", " ").split() if item]


def _lint_campaign(path: Path, base: LintConfig, cli: Mapping[str, Any]) -> LintReport:
    """Build every segment of a campaign and lint each sample message (campaign.py)."""
    try:
        from b2bmail.campaign import campaign_lint_config, lint_campaign_messages, render_campaign
    except ImportError as exc:
        raise InputError(
            _("cannot lint a campaign: the build engine is not available"),
            path=path,
            hint=_("lint the built files instead: {commands}").format(
                commands="b2bmail build … --out DIR; b2bmail lint DIR"
            ),
        ) from exc
    build = render_campaign(path)
    # The campaign's lint section applies on top of --config/pyproject; the command line, last.
    config = campaign_lint_config(build.campaign, base).merged(cli, "command line")
    files, problems = lint_campaign_messages(build, config, path)
    return LintReport(files, problems)


def _shown(path: Path) -> Path:
    """`path` relative to the working folder when it lies below it (as a user would type it)."""
    try:
        return path.relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _is_campaign_file(path: Path) -> bool:
    from b2bmail.render.references import is_campaign_file

    return is_campaign_file(path)


def _template_campaigns(
    templates: list[Path], files: list[str], problems: list[Problem]
) -> list[Path]:
    """The campaigns that use `templates` (partials, layouts, segments files), to lint in
    their place: a fragment is not an email. A template no campaign uses gets the checks a
    fragment allows (Jinja syntax, MJML tags), a `B2B000` problem when they fail, and a note."""
    from b2bmail.render.references import campaigns_using, check_fragment

    campaigns: list[Path] = []
    for template, users in campaigns_using(templates).items():
        campaigns.extend(_shown(user) for user in users)
        if users or template.suffix.lower() != ".mjml":
            continue
        note = _(
            "{path}: no campaign uses this template — only its Jinja syntax and MJML tags were"
            " checked; lint the campaign that includes it"
        ).format(path=template)
        say(f"b2bmail: {note}", err=True)
        files.append(str(template))
        error = check_fragment(template)
        if error is not None:
            problems.append(unreadable_problem(error, Path(error.path or template)))
    return campaigns


def _lint_campaigns(
    campaigns: list[Path], base: LintConfig, cli: Mapping[str, Any], keep_going: bool
) -> LintReport:
    """Lint each campaign once. With several inputs a campaign that does not build is a
    `B2B000` problem on the file the error names (a partial's line), and the run goes on.
    Problems point at their sources, so campaigns sharing a partial find the same problem on
    the same line: it is reported once."""
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[Path] = set()
    reported: set[Problem] = set()
    for path in campaigns:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            report = _lint_campaign(path, base, cli)
        except B2bmailError as exc:
            if not keep_going:
                raise
            files.append(str(path))
            exc.message = _("campaign {path} does not build: {message}").format(
                path=path, message=exc.message
            )
            problems.append(unreadable_problem(exc, _shown(Path(exc.path)) if exc.path else path))
            continue
        files.extend(report.files)
        fresh = [p for p in report.problems if p not in reported]
        reported.update(fresh)
        problems.extend(fresh)
    return LintReport(tuple(files), tuple(problems))


def _base_config(config_path: Path | None, paths: tuple[Path, ...]) -> LintConfig:
    """--config FILE, else the nearest pyproject.toml above the first path (or none)."""
    return load_lint_config(config_path or find_pyproject(paths[0] if paths else Path.cwd()))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option("text", "json", "github", "sarif", "junit")
@click.option(
    "--select",
    multiple=True,
    help="Only these rules (codes, code prefixes like B2B3, or names; comma-separated or repeated).",
)
@click.option("--ignore", multiple=True, help="Skip these rules (codes, prefixes or names).")
@click.option("--strict", is_flag=True, help="Exit 1 on any problem, warnings and info included.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="TOML file with a [tool.b2bmail.lint] table (default: nearest pyproject.toml).",
)
@click.option(
    "--changed",
    is_flag=True,
    help="PATHS are the files a commit changed (the pre-commit hook): lint the campaigns whose "
    "file, templates or segments changed, and the emails; skip other files.",
)
@out_option()
def lint(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    strict: bool,
    config_path: Path | None,
    changed: bool,
    out_path: str | None,
) -> None:
    """Lint emails (.html, .eml, .mjml, folders, campaign .yaml) for what hurts B2B reception.

    Exit 0 when clean, 1 with error-level problems (any problem with --strict), 2 when the
    lint cannot run. MJML partials and layouts are linted through the campaigns that use them.

    \b
    Example:
        b2bmail lint out/demo
        b2bmail lint newsletter.html --format json --ignore B2B703
        b2bmail lint examples/heavy-equipment/campaign.yaml --strict
        b2bmail lint emails/ --format sarif --out lint.sarif
        b2bmail lint templates/partials/footer.mjml
    """
    for path in paths:
        if not path.exists():
            raise InputError(_("no such file or folder"), path=path, hint=_("check the path"))
    check_outputs((out_path,), (*paths, config_path))
    cli: dict[str, Any] = {}
    if select:
        cli["select"] = _split(select)
    if ignore:
        cli["ignore"] = _split(ignore)
    base = _base_config(config_path, paths)
    config = base.merged(cli, "command line")
    say(_("settings: {source}").format(source=base.source or _("defaults")), VERBOSE)
    with timed(_("lint")):
        files, problems = _lint_inputs(paths, base, config, cli, changed)
    if shows(VERBOSE):
        for file in files:
            say(_("linted {path}").format(path=file), VERBOSE)
    output = format_problems(problems, output_format, files=files, rules=all_rules())
    if out_path:
        write_atomic(Path(out_path), output.encode("utf-8"))
        say(summary(problems, len(files)), err=True)
        say(_("wrote {path}").format(path=out_path), VERBOSE)
    else:
        click.echo(output, nl=False)
    raise SystemExit(EXIT_FINDINGS if has_errors(problems, strict=strict) else EXIT_OK)


def _lint_inputs(
    paths: tuple[Path, ...],
    base: LintConfig,
    config: LintConfig,
    cli: Mapping[str, Any],
    changed: bool,
) -> tuple[list[str], list[Problem]]:
    """Lint each of `paths` as its kind asks: the files linted and the problems found."""
    files: list[str] = []
    problems: list[Problem] = []
    campaigns: list[Path] = []
    templates: list[Path] = []
    for path in paths:
        suffix = "" if path.is_dir() else path.suffix.lower()
        if suffix in CAMPAIGN_SUFFIXES:
            if changed and not _is_campaign_file(path):
                templates.append(path)  # a segments file: its campaigns; other YAML: none
            else:
                campaigns.append(path)
            continue
        if changed and suffix and suffix not in LINTABLE_SUFFIXES:
            say(_("skipped {path}: not an email, template or campaign").format(path=path), VERBOSE)
            continue
        # With several paths, a file that cannot be linted is a B2B000 problem.
        report = lint_paths([path], config, keep_going=len(paths) > 1)
        if path.is_dir() and not report.files and not report.templates:
            # An empty build folder must not pass CI as "no problems".
            raise InputError(
                _("no .html, .htm, .eml or .mjml file in this folder"),
                path=path,
                hint=_("build the campaign first ({command}) or name the files").format(
                    command="b2bmail build … --out DIR"
                ),
            )
        files.extend(report.files)
        problems.extend(report.problems)
        templates.extend(report.templates)
    if templates:
        campaigns.extend(_template_campaigns(templates, files, problems))
    report = _lint_campaigns(campaigns, base, cli, keep_going=len(paths) > 1 or bool(templates))
    files.extend(report.files)
    problems.extend(report.problems)
    return files, problems


@main.command()
@click.argument("rule_id", required=False, metavar="[CODE|NAME]")
@format_option("text", "json")
def rules(rule_id: str | None, output_format: str) -> None:
    """List the lint rules, or explain one with its example and its fix.

    \b
    Example:
        b2bmail rules
        b2bmail rules B2B401
        b2bmail rules img-missing-alt
    """
    if rule_id:
        found = find_rule(rule_id)
        if found is None:
            raise click.UsageError(
                _("unknown rule {rule!r} — run `b2bmail rules` for the list").format(rule=rule_id)
            )
        selected: tuple[Rule, ...] = (found,)
    else:
        selected = all_rules()
    if output_format == "json":
        data = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "family": r.family,
                "summary": r.summary,
                "thresholds": dict(r.thresholds),
                **({"doc": r.sections} if rule_id else {}),
            }
            for r in selected
        ]
        click.echo(json_document("rules", {"rules": data}), nl=False)
        return
    if rule_id:
        click.echo(explain_rule(selected[0]), nl=False)
        return
    click.echo(list_rules(selected), nl=False)
