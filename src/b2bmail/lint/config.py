"""Lint configuration: `[tool.b2bmail.lint]` in pyproject.toml, a file, or a campaign's `lint:`.

Keys (all optional):
    select = ["B2B1", "B2B301", "img-missing-alt"]   codes, code prefixes or names to run
    ignore = ["B2B703"]                                 the same, to skip
    severity = { B2B106 = "error", vague-link-text = "info" }
    thresholds = { subject-max-chars = 70 }             see `b2bmail rules CODE`
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from b2bmail.errors import ConfigError, os_reason
from b2bmail.i18n import _
from b2bmail.lint.cached import cached
from b2bmail.lint.problem import SEVERITIES, Severity
from b2bmail.lint.registry import all_rules, default_thresholds
from b2bmail.lint.rule import Rule

_KEYS = {"select", "ignore", "severity", "thresholds"}
_TOML_AT = re.compile(r" \(at line (?P<line>\d+), column (?P<column>\d+)\)$")


@dataclass(frozen=True)
class LintConfig:
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    thresholds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    source: str | None = None

    @cached
    def plan(self) -> tuple[tuple[Rule, Severity | None, Mapping[str, float]], ...]:
        """(rule, configured severity or None, thresholds) for each enabled rule, by code:
        worked out once per configuration, not once per linted document."""
        return tuple(
            (rule, self.severity_of(rule) if self.severities else None, self.thresholds_for(rule))
            for rule in all_rules()
            if self.enabled(rule)
        )

    def enabled(self, rule: Rule) -> bool:
        if self.select is None and not self.ignore:
            return True

        def matches(keys: frozenset[str]) -> bool:
            return any(rule.code.startswith(k.upper()) or k.lower() == rule.name for k in keys)

        if self.select is not None and not matches(self.select):
            return False
        return not matches(self.ignore)

    def severity_of(self, rule: Rule) -> Severity | None:
        return self.severities.get(rule.code) or self.severities.get(rule.name)

    def thresholds_for(self, rule: Rule) -> Mapping[str, float]:
        if not self.thresholds or not rule.thresholds:
            return rule.thresholds
        values = dict(rule.thresholds)
        for key in values:
            if key in self.thresholds:
                values[key] = self.thresholds[key]
        return values

    def merged(self, overrides: Mapping[str, Any] | None, source: str | None = None) -> LintConfig:
        """This configuration with `overrides` (same keys) applied on top."""
        if not overrides:
            return self
        extra = _validate(overrides, source or "lint configuration")
        return LintConfig(
            select=extra.select if "select" in overrides else self.select,
            ignore=extra.ignore if "ignore" in overrides else self.ignore,
            severities=MappingProxyType({**self.severities, **extra.severities}),
            thresholds=MappingProxyType({**self.thresholds, **extra.thresholds}),
            source=source or self.source,
        )


def _names(value: object, key: str, where: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(",", " ").split() if v]
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        isinstance(v, str) for v in value
    ):
        raise ConfigError(
            _("lint `{key}` must be a list of rule codes or names").format(key=key), path=where
        )
    known = all_rules()
    for item in value:
        if not any(r.code.startswith(item.upper()) or r.name == item.lower() for r in known):
            raise ConfigError(
                _("lint `{key}` names unknown rule {rule!r}").format(key=key, rule=item),
                path=where,
                hint=_("run `b2bmail rules` for the codes and names"),
            )
    return frozenset(value)


def _validate(data: Mapping[str, Any], where: str) -> LintConfig:
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(
            _("unknown lint setting {setting!r}").format(setting=sorted(unknown)[0]),
            path=where,
            hint=_("use select, ignore, severity or thresholds"),
        )
    select = _names(data["select"], "select", where) if "select" in data else None
    ignore = _names(data.get("ignore", []), "ignore", where)
    severities: dict[str, Severity] = {}
    raw_sev = data.get("severity", {})
    if not isinstance(raw_sev, Mapping):
        raise ConfigError(
            _("lint `severity` must be a table of rule -> error|warning|info"), path=where
        )
    for key, value in raw_sev.items():
        _names([key], "severity", where)
        if value not in SEVERITIES:
            raise ConfigError(
                _("lint severity {value!r} for {rule} is not one of error, warning, info").format(
                    value=value, rule=key
                ),
                path=where,
            )
        severities[key.upper() if key.upper().startswith("B2B") else key.lower()] = cast(
            Severity, value
        )
    thresholds: dict[str, float] = {}
    raw_thr = data.get("thresholds", {})
    if not isinstance(raw_thr, Mapping):
        raise ConfigError(_("lint `thresholds` must be a table of name -> number"), path=where)
    known = default_thresholds()
    for key, value in raw_thr.items():
        if key not in known:
            raise ConfigError(
                _("unknown lint threshold {name!r}").format(name=key),
                path=where,
                hint=_("known thresholds: {names}").format(names=", ".join(sorted(known))),
            )
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(
                _("lint threshold {name} must be a number, not {value!r}").format(
                    name=key, value=value
                ),
                path=where,
            )
        thresholds[key] = float(value)
    return LintConfig(
        select=select,
        ignore=ignore,
        severities=MappingProxyType(severities),
        thresholds=MappingProxyType(thresholds),
        source=where,
    )


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or folder)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path) -> Mapping[str, Any]:
    """The lint table of a TOML file: `[tool.b2bmail.lint]`, or top level for a dedicated file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            _("cannot read lint configuration: {reason}").format(reason=os_reason(exc)), path=path
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            _("lint configuration is not UTF-8 text (byte {byte})").format(byte=exc.start),
            path=path,
            hint=_("point --config at a TOML file"),
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts the place in the message only: "... (at line 3, column 9)".
        where = _TOML_AT.search(str(exc))
        raise ConfigError(
            _("invalid TOML: {error}").format(error=_TOML_AT.sub("", str(exc))),
            path=path,
            line=int(where["line"]) if where else None,
            column=int(where["column"]) if where else None,
            hint=_("fix the syntax"),
        ) from exc
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise ConfigError(
            _("lint configuration nested too deeply to read"), path=path, hint=_("flatten it")
        ) from None
    tool = data.get("tool", {})  # another tool's `tool = ...` is not ours to judge
    ours = tool.get("b2bmail", {}) if isinstance(tool, Mapping) else {}
    if not isinstance(ours, Mapping):
        raise ConfigError(_("[tool.b2bmail] must be a table"), path=path)
    section = ours.get("lint")
    if section is None and path.name != "pyproject.toml":
        section = {k: v for k, v in data.items() if k in _KEYS} or data.get("lint", {})
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise ConfigError(_("[tool.b2bmail.lint] must be a table"), path=path)
    return section


def load_lint_config(
    pyproject: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> LintConfig:
    """Configuration from `pyproject` (or the nearest pyproject.toml above the current folder),
    with `overrides` (e.g. a campaign file's `lint:` section) applied on top."""
    path = pyproject if pyproject is not None else find_pyproject(Path.cwd())
    base = LintConfig()
    if path is not None:
        if not path.is_file():
            raise ConfigError(
                _("lint configuration file not found"), path=path, hint=_("check --config")
            )
        base = _validate(read_config_file(path), str(path))
    return base.merged(overrides, "campaign lint section" if overrides else None)
