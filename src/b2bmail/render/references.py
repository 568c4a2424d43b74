"""Which campaigns use a template file, read statically: a partial or a layout is not a whole
email, so lint checks it through the campaigns that include it (`b2bmail lint templates/`, the
pre-commit hook), and checks only what a fragment can be checked for when no campaign does.

References are read with Jinja's own parser (`jinja2.meta.find_referenced_templates`):
`{% extends %}`, `{% include %}`, `{% import %}` and `{% from … import %}` with a literal
name. A name computed at render time cannot be known without rendering and is not followed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import jinja2
from jinja2 import meta

from b2bmail.config import Campaign, load_campaign_config
from b2bmail.errors import B2bmailError, TemplateError
from b2bmail.i18n import _
from b2bmail.mjml_structure import first_structure_error
from b2bmail.render.environment import parse_template

#: A top-level `template:` key marks a YAML file as a campaign (config.py's required key).
_CAMPAIGN_KEY = re.compile(r"^template\s*:", re.M)
#: The folders that end the walk up from a template: a project's root.
_PROJECT_ROOT = (".git", "pyproject.toml", ".pre-commit-config.yaml")


def _references(path: Path) -> tuple[str, ...]:
    """The template names `path` names literally; none when it cannot be read or parsed (the
    campaign's build reports that, with its line)."""
    try:
        ast = parse_template(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return ()
    return tuple(name for name in meta.find_referenced_templates(ast) if name is not None)


def referenced_files(template: Path, template_dir: Path) -> frozenset[Path]:
    """`template` and every file it pulls in, directly or through another (resolved paths)."""
    root = template_dir.resolve()
    seen: set[Path] = set()
    todo = [template.resolve()]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(
            (root / name).resolve()
            for name in _references(current)
            if (root / name).resolve().is_file()
        )
    return frozenset(seen)


def _candidates(path: Path) -> tuple[Path, tuple[Path, ...]]:
    """Where to look for the campaigns that may use `path`: (the folder searched, its YAML
    files). In a project (a folder above holding .git, pyproject.toml or
    .pre-commit-config.yaml) every YAML file in it, hidden folders skipped: a template
    folder is often shared by campaigns in sibling folders (examples/*/campaign.yaml). Outside
    one, the YAML files of each folder above `path`: never a walk of the whole disk."""
    above = path.resolve().parents
    root = next((f for f in above if any((f / m).exists() for m in _PROJECT_ROOT)), None)
    if root is None:
        return above[0], tuple(y for f in above for y in sorted(f.glob("*.y*ml")))
    found = (
        y
        for y in sorted(root.rglob("*.y*ml"))
        if not any(part.startswith(".") for part in y.relative_to(root).parts)
    )
    return root, tuple(found)


def is_campaign_file(path: Path) -> bool:
    """True for a YAML file with a top-level `template:` key: a campaign, even one that does
    not load (its lint says why), and not a segments file or another tool's YAML."""
    if path.name.startswith(".") or path.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        return bool(_CAMPAIGN_KEY.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _load(candidate: Path) -> Campaign | None:
    """The campaign in `candidate`, or None: not a campaign, or one that does not load
    (linting the campaign file itself reports why)."""
    if not is_campaign_file(candidate):
        return None
    try:
        return load_campaign_config(candidate)
    except B2bmailError:
        return None


def campaigns_using(paths: Iterable[Path]) -> dict[Path, tuple[Path, ...]]:
    """For each of `paths`, the campaign files that use it: as their template, a file their
    template includes, extends or imports (transitively), their segments file, or the
    campaign file itself. Campaigns are looked for in the file's project (`_candidates`);
    one that does not load is skipped. Each campaign is read once for all `paths`."""
    uses: dict[Path, list[tuple[Path, frozenset[Path]]]] = {}
    found: dict[Path, tuple[Path, ...]] = {}
    for path in paths:
        target = path.resolve()
        where, candidates = _candidates(target)
        if where not in uses:
            loaded = (_load(c) for c in candidates)
            uses[where] = [
                (
                    c.path,
                    referenced_files(c.template, c.template_dir)
                    | {c.segments.resolve(), c.path.resolve()},
                )
                for c in loaded
                if c is not None
            ]
        found[path] = tuple(campaign for campaign, used in uses[where] if target in used)
    return found


def check_fragment(path: Path) -> TemplateError | None:
    """What can be checked in a template no campaign uses, without rendering it: its Jinja
    syntax, and its MJML tags (unknown, never closed, mismatched, in the wrong parent below
    its top level). The error, with its line, or None."""
    try:
        source = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return TemplateError(_("cannot read: {error}").format(error=exc), path=path)
    try:
        parse_template(source)
    except jinja2.TemplateSyntaxError as exc:
        return TemplateError(
            _("Jinja syntax error: {error}").format(error=exc.message),
            path=path,
            line=exc.lineno,
            hint=_("check the {{ }} / {% %} tags on that line"),
        )
    error = first_structure_error(source.replace("\r\n", "\n"), fragment=True)
    if error is not None:
        return TemplateError(error.message, path=path, line=error.line, hint=error.hint)
    return None
