"""The Jinja environment: sandboxed, StrictUndefined, autoescape, Babel filters, errors with
file:line.

Templates are code that comes with a campaign (a pull request, a shared folder), and they
render in `build`, `lint campaign.yaml`, `preview` and `serve` alike: every one of them goes
through `make_environment`, which gives Jinja's immutable sandbox. A template can read the
campaign's data and call the filters and helpers given to it, but it cannot reach Python
internals (`cycler.__init__.__globals__.os`) or change the data it is given.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from b2bmail.errors import B2bmailError, TemplateError
from b2bmail.i18n import _
from b2bmail.render.filters import make_filters
from b2bmail.render.merge import MergeRef, fallback_filter

# What rendering a template can raise from a template's own mistakes (a filter given a bad
# value, a missing key, a division by zero): each becomes a TemplateError with file:line.
_RENDER_ERRORS = (
    jinja2.TemplateError,
    B2bmailError,
    TypeError,
    ValueError,
    KeyError,
    ArithmeticError,
)


_BARE_UNDEFINED = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*)' is undefined")
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _snake_case(name: str) -> str:
    """FirstName -> first_name, FNAME -> fname: the spelling of a recipient column."""
    return _WORD_START.sub("_", name).lower()


# Filters that keep a merge field a hole (it is still merged as escaped data after rendering):
# its fallback, and escaping, which prints the sentinel. `safe` too: a recipient's value is
# never markup (`{{ recipient.x | safe }}` stays escaped). Every other filter given
# `recipient.x` is applied to the recipient's value, in the variant for that value.
_HOLE_FILTERS = frozenset(
    {"fallback", "default", "d", "e", "escape", "forceescape", "safe", "salutation"}
)


def _default_filter(value: object, default_value: object = "", boolean: bool = False) -> object:
    """Jinja's `default`; on a merge field, its fallback (used for a blank or missing value,
    as `| fallback` does: a recipient field is never undefined, only empty)."""
    if isinstance(value, MergeRef):
        return value.with_fallback(str(default_value))
    return jinja2.filters.do_default(value, default_value, boolean)


def _on_values(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` applied to a merge field's value (merge.MergeRef.concrete: NeedsVariant when the
    field is not bound yet) instead of its sentinel, which a filter would change or misread."""
    # Filters marked with jinja2.pass_context / pass_eval_context / pass_environment get
    # that object first (Jinja's _PassArg); the value follows it.
    index = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) > index and isinstance(args[index], MergeRef):
            args = (*args[:index], args[index].concrete(), *args[index + 1 :])
        return func(*args, **kwargs)

    return wrapper


class CampaignEnvironment(ImmutableSandboxedEnvironment):
    """The environment of a build (make_environment). It also keeps each of the campaign's
    short strings (subject, preheader, unsubscribe URL: `render_string`) compiled once: a
    build renders them for every segment, journey stage and variant, and Jinja's
    `from_string` parses and compiles its source again at each call. The key is the source,
    text from the campaign file, never a recipient's value."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._strings: dict[str, jinja2.Template] = {}

    def string_template(self, source: str) -> jinja2.Template:
        """`source` as a template rendered unescaped (a header, a URL), compiled once: what
        `self.overlay(autoescape=False).from_string(source)` gives (TemplateSyntaxError)."""
        template = self._strings.get(source)
        if template is None:
            template = self._strings[source] = self.overlay(autoescape=False).from_string(source)
        return template


def make_environment(template_dir: Path, locale: str, currency: str = "EUR") -> CampaignEnvironment:
    """Templates load from `template_dir`; every template is autoescaped (MJML is HTML) and
    sandboxed (jinja2.sandbox.ImmutableSandboxedEnvironment): attributes starting with `_`,
    Python internals and methods that change lists or dicts raise SecurityError, which
    rendering reports as a TemplateError with the template's file:line."""
    env = CampaignEnvironment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(make_filters(locale, currency))
    env.filters["fallback"] = fallback_filter
    env.filters["default"] = env.filters["d"] = _default_filter
    for name, func in list(env.filters.items()):
        if name not in _HOLE_FILTERS:
            env.filters[name] = _on_values(func)
    # Tests too (`recipient.x is none`, `is number`, `is odd`): on the value, never on the
    # hole, which is not None, not a number, and callable.
    for name, func in list(env.tests.items()):
        env.tests[name] = _on_values(func)  # type: ignore[arg-type]  # typeshed: `function`
    return env


def parse_template(source: str) -> jinja2.nodes.Template:
    """The syntax tree of `source` with the build's syntax settings, nothing rendered: what
    render/references.py reads the names a template includes from (TemplateSyntaxError)."""
    env = ImmutableSandboxedEnvironment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.parse(source)


def _template_frame(exc: BaseException, template_dir: Path) -> tuple[str, int] | None:
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    root = str(template_dir.resolve())
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.startswith(root) and frame.lineno is not None:
            found = (frame.filename, frame.lineno)
    return found


def _translate(
    exc: Exception, template_dir: Path, fallback_path: str | None, fallback_line: int | None
) -> TemplateError:
    where = _template_frame(exc, template_dir)
    path, line = where if where else (fallback_path, fallback_line)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(
            _("Jinja syntax error: {error}").format(error=exc.message),
            path=exc.filename or path,
            line=exc.lineno if exc.filename else (line or exc.lineno),
            hint=_("check the {{ }} / {% %} tags on that line"),
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateError(
            _("template {name} not found").format(name=repr(exc.name)),
            path=path,
            line=line,
            hint=_("templates are looked up in {folder}").format(folder=template_dir),
        )
    if isinstance(exc, jinja2.UndefinedError):
        hint = _("define it in the campaign's content or the segment's variables, or fix the name")
        bare = _BARE_UNDEFINED.fullmatch(exc.message or "")
        if bare:
            # A bare name such as {{FirstName}} is often another tool's merge tag (Mailjet,
            # Sendinblue) in an imported template. It cannot stay literal: the build refuses
            # "{{" in its output (compile._check_output), whatever wrote it, {% raw %} too.
            field = _snake_case(bare.group(1))
            hint = _(
                "define it in the campaign's content or the segment's variables, or fix the"
                " name; if it is another tool's merge tag, write {tag}, which b2bmail fills per"
                " recipient (literal {braces} is refused in the output, even from {raw})"
            ).format(tag=f"{{{{ recipient.{field} }}}}", braces="{{ }}", raw="{% raw %}")
        return TemplateError(
            _("undefined variable: {error}").format(error=exc.message),
            path=path,
            line=line,
            hint=hint,
        )
    if isinstance(exc, SecurityError):
        return TemplateError(
            _("unsafe template code refused: {error}").format(error=str(exc).rstrip(".")),
            path=path,
            line=line,
            hint=_(
                "templates run sandboxed: use the data and filters given to them, "
                "not Python internals"
            ),
        )
    if isinstance(exc, B2bmailError):
        return TemplateError(
            exc.message, path=exc.path or path, line=exc.line or line, hint=exc.hint
        )
    return TemplateError(
        _("template failed: {error}").format(error=f"{type(exc).__name__}: {exc}"),
        path=path,
        line=line,
        hint=_("fix the template"),
    )


def render_template(env: jinja2.Environment, template: Path, context: Mapping[str, Any]) -> str:
    """Render a template file found under the environment's folder."""
    template_dir = (
        Path(env.loader.searchpath[0])
        if isinstance(env.loader, jinja2.FileSystemLoader)
        else template.parent
    )
    try:
        name = template.resolve().relative_to(template_dir.resolve()).as_posix()
        return env.get_template(name).render(context)
    except _RENDER_ERRORS as exc:
        raise _translate(exc, template_dir, str(template), None) from None


def render_string(
    env: CampaignEnvironment,
    source: str,
    context: Mapping[str, Any],
    *,
    path: Path,
    what: str,
    line: int | None = None,
) -> str:
    """Render a short Jinja string from the campaign file (subject, preheader, URLs), unescaped."""
    try:
        return env.string_template(source).render(context)
    except _RENDER_ERRORS as exc:
        err = _translate(exc, Path("/nonexistent"), str(path), None)
        raise TemplateError(
            _("in {what}: {error}").format(what=what, error=err.message),
            path=path,
            line=line,
            hint=err.hint,
        ) from None
