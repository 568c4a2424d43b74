"""Campaign files -> frozen dataclasses, validated with the line of every mistake.

YAML is composed into a node tree (not loaded straight to dicts) so that every key and value
keeps its line number: an unknown key, a wrong type or a missing file is reported as
`campaign.yaml:LINE: what is wrong — what to do`.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import parseaddr
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml
from babel import Locale, UnknownLocaleError

from b2bmail.errors import ConfigError
from b2bmail.i18n import N_, _, translate_filled
from b2bmail.languages import language_locale, parse_languages, per_language, resolve

# ---------------------------------------------------------------------------------------------
# Located YAML: the helpers segments.py shares.


#: Lists and mappings nested deeper than this are refused. No hand-written configuration comes
#: near it, and it keeps every recursive step (composing, segment rules, Jinja) far below
#: Python's recursion limit, so a hostile file gets a line number instead of a RecursionError.
MAX_NESTING = 100

# PyYAML's problems and contexts for the syntax mistakes people make by hand (scanner.py,
# parser.py, composer.py), as it words them, so that they reach the reader in their language;
# any other keeps PyYAML's words. Most specific first: the first template that matches wins.
_YAML_WORDS = (
    N_("mapping values are not allowed here"),
    N_("could not find expected ':'"),
    N_("found character {character} that cannot start any token"),
    N_("found unexpected end of stream"),
    N_("found undefined alias {alias}"),
    N_("expected the node content, but found '<stream end>'"),
    N_("expected {first} or {second}, but got '<stream end>'"),
    N_("expected {first} or {second}, but got {token}"),
    N_("expected {expected}, but got '<stream end>'"),
    N_("expected the node content, but found {token}"),
    N_("expected {expected}, but found {token}"),
    N_("expected {expected}, but got {token}"),
    N_("while parsing a flow node"),
    N_("while parsing a flow mapping"),
    N_("while parsing a flow sequence"),
    N_("while parsing a block mapping"),
    N_("while parsing a block collection"),
    N_("while scanning a simple key"),
    N_("while scanning a quoted scalar"),
    N_("while scanning for the next token"),
)

_YAML_TAG_PREFIX = "tag:yaml.org,2002:"
# The merge key `<<` and the value key `=` have no constructor of their own: the mapping that
# holds them resolves them (YAML 1.1 merge and value types).
_MAPPING_KEY_TAGS = frozenset({f"{_YAML_TAG_PREFIX}merge", f"{_YAML_TAG_PREFIX}value"})


class _RefusedYAMLError(yaml.MarkedYAMLError):
    """A document the checked loader refuses, with the mark of the node and what to do."""

    def __init__(self, problem: str, mark: Any, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag


class _CheckedLoader(yaml.SafeLoader):
    """SafeLoader that refuses, at the node's line, what would otherwise fail later with none:
    nesting beyond `MAX_NESTING` (aliases counted as if written out, an alias inside its own
    anchor refused), tags without a safe constructor (`!foo`, `!!python/object`) and scalars
    their tag cannot read (`!!int "x"`, a 13th month)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0  # lists and mappings open around the next node
        self.heights: dict[yaml.Node, int] = {}  # lists and mappings in a node, itself included
        self.open_anchors: set[str] = set()

    def _check_depth(self, depth: int, mark: Any) -> None:
        if depth > MAX_NESTING:
            raise _RefusedYAMLError(
                _("lists and mappings nested deeper than {limit} levels").format(limit=MAX_NESTING),
                mark,
                _("flatten the structure"),
            )

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.open_anchors:
                raise _RefusedYAMLError(
                    _("alias *{anchor} inside its own anchor &{anchor} (a loop)").format(
                        anchor=event.anchor
                    ),
                    event.start_mark,
                    _("repeat the content instead of nesting it in itself"),
                )
            node = cast(yaml.Node, super().compose_node(parent, index))
            # Checked where its anchor was written; here it repeats the anchor's nesting.
            self._check_depth(self.depth + self.heights.get(node, 0), event.start_mark)
            return node
        nests = 1 if isinstance(event, yaml.CollectionStartEvent) else 0
        self._check_depth(self.depth + nests, event.start_mark)
        anchor = event.anchor if nests else None
        if anchor:
            self.open_anchors.add(anchor)
        self.depth += nests
        try:
            node = cast(yaml.Node, super().compose_node(parent, index))
        finally:
            self.depth -= nests
            if anchor:
                self.open_anchors.discard(anchor)
        if isinstance(node, yaml.CollectionNode):
            children = (
                [child for pair in node.value for child in pair]
                if isinstance(node, yaml.MappingNode)
                else node.value
            )
            self.heights[node] = 1 + max((self.heights.get(c, 0) for c in children), default=0)
        if node.tag not in self.yaml_constructors and node.tag not in _MAPPING_KEY_TAGS:
            raise _RefusedYAMLError(
                _("unknown YAML tag '{tag}'").format(tag=_tag_name(node.tag)),
                node.start_mark,
                _("b2bmail reads plain YAML: remove the tag (quote a value that starts with '!')"),
            )
        if isinstance(node, yaml.ScalarNode) and node.tag not in _MAPPING_KEY_TAGS:
            try:
                self.construct_object(node)
            # What PyYAML's scalar constructors raise on a value their tag cannot hold.
            except (ValueError, KeyError, AttributeError, TypeError) as exc:
                detail = f" ({exc})" if isinstance(exc, ValueError) else ""
                raise _RefusedYAMLError(
                    _("{value} is not a valid {tag}{detail}").format(
                        value=repr(node.value), tag=_tag_name(node.tag), detail=detail
                    ),
                    node.start_mark,
                    _("fix the value, or quote it to keep it as text"),
                ) from None
        return node


def compose_yaml(text: str, source: str | Path) -> yaml.Node | None:
    """The one YAML reader: `text` composed into a node tree (None when empty).

    Every way a document can fail — syntax, an unknown tag, a value its tag cannot hold,
    nesting too deep, an alias loop — is a `ConfigError` at `source:line`, never a YAML or
    Recursion error.
    """
    checked = _CheckedLoader(text)
    try:
        # Constructed once in full so what later reads the nodes (`to_python`) cannot fail; the
        # tree comes from a second, plain compose because construction rewrites merge keys.
        checked.get_single_data()
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = translate_filled(exc.problem or exc.context or "invalid YAML", _YAML_WORDS)
        if (
            exc.context
            and exc.context_mark
            and exc.problem_mark
            and exc.context_mark.line != exc.problem_mark.line
        ):
            problem = _("{problem} ({context} started on line {line})").format(
                problem=problem,
                context=translate_filled(exc.context, _YAML_WORDS),
                line=exc.context_mark.line + 1,
            )
        if isinstance(exc, _RefusedYAMLError):
            message, hint = problem, exc.hint
        elif isinstance(exc, yaml.constructor.ConstructorError):
            message = _("YAML error: {problem}").format(problem=problem)
            hint = _("fix the value on that line")
        else:
            message, hint = (
                _("YAML syntax error: {problem}").format(problem=problem),
                _("fix the indentation or quoting on that line"),
            )
        raise ConfigError(
            message, path=source, line=mark.line + 1 if mark else None, hint=hint
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            _("YAML error: {problem}").format(problem=exc),
            path=source,
            hint=_("fix the YAML syntax"),
        ) from None
    except RecursionError:  # only when called already deep in the stack: MAX_NESTING is far below
        raise ConfigError(
            _("YAML nested too deeply to read"),
            path=source,
            line=checked.get_mark().line + 1,
            hint=_("flatten the structure"),
        ) from None
    finally:
        checked.dispose()


def load_yaml_node(path: str | Path, *, what: str | None = None) -> yaml.Node:
    """Read and compose a YAML file into a node tree; every error carries its line."""
    what = _("file") if what is None else what
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            _("{what} not found").format(what=what),
            path=source,
            hint=_("check the path (relative paths start at the current folder)"),
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            _("cannot read {what}: {error}").format(what=what, error=exc),
            path=source,
            hint=_("save it as UTF-8 text"),
        ) from None
    node = compose_yaml(text, source)
    if node is None:
        raise ConfigError(
            _("{what} is empty").format(what=what),
            path=source,
            line=1,
            hint=_("start from `b2bmail init DIR` or examples/heavy-equipment/campaign.yaml"),
        )
    return node


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return _("a mapping")
    if isinstance(node, yaml.SequenceNode):
        return _("a list")
    value = to_python(node)
    if value is None:
        return _("empty")
    return f"{type(value).__name__} {value!r}"


def expect_mapping(
    node: yaml.Node,
    path: Path,
    what: str,
    *,
    allowed: Sequence[str] | None = None,
    required: Sequence[str] = (),
) -> dict[str, yaml.Node]:
    """A mapping node as {key: value node}; unknown keys get a close-match suggestion."""
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError(
            _("{what} must be a mapping, not {kind}").format(what=what, kind=_kind(node)),
            path=path,
            line=line_of(node),
            hint=_("write `key: value` lines under it"),
        )
    result: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if allowed is not None and key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = (
                _("did you mean '{key}'?").format(key=close[0])
                if close
                else _("allowed keys: {keys}").format(keys=", ".join(allowed))
            )
            raise ConfigError(
                _("unknown key '{key}' in {what}").format(key=key, what=what),
                path=path,
                line=line_of(key_node),
                hint=hint,
            )
        if key in result:
            raise ConfigError(
                _("duplicate key '{key}' in {what}").format(key=key, what=what),
                path=path,
                line=line_of(key_node),
                hint=_("keep only one"),
            )
        result[key] = value_node
    for key in required:
        if key not in result:
            raise ConfigError(
                _("missing key '{key}' in {what}").format(key=key, what=what),
                path=path,
                line=line_of(node),
                hint=_("add `{key}:`").format(key=key),
            )
    return result


def expect_list(node: yaml.Node, path: Path, what: str) -> list[yaml.Node]:
    if not isinstance(node, yaml.SequenceNode):
        raise ConfigError(
            _("{what} must be a list, not {kind}").format(what=what, kind=_kind(node)),
            path=path,
            line=line_of(node),
            hint=_("write one `- item` per line"),
        )
    return list(node.value)


def expect_str(node: yaml.Node, path: Path, what: str, *, allow_empty: bool = False) -> str:
    value = to_python(node)
    if (
        isinstance(value, bool)
        or not isinstance(value, str | int | float)
        or isinstance(node, yaml.CollectionNode)
    ):
        raise ConfigError(
            _("{what} must be text, not {kind}").format(what=what, kind=_kind(node)),
            path=path,
            line=line_of(node),
            hint=_("quote the value"),
        )
    text = str(value)
    if not allow_empty and not text.strip():
        raise ConfigError(
            _("{what} is empty").format(what=what),
            path=path,
            line=line_of(node),
            hint=_("give it a value"),
        )
    return text


def expect_int(node: yaml.Node, path: Path, what: str) -> int:
    value = to_python(node)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            _("{what} must be a whole number, not {kind}").format(what=what, kind=_kind(node)),
            path=path,
            line=line_of(node),
            hint=_("e.g. 10"),
        )
    return value


def to_python(node: yaml.Node) -> Any:
    """Construct plain Python data from a node (safe types only)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------------------------
# The campaign file.

CAMPAIGN_KEYS = (
    "name",
    "locale",
    "sender",
    "subject",
    "preheader",
    "template",
    "segments",
    "content",
    "unsubscribe",
    "company",
    "list_id",
    "utm",
    "assets_url",
    "assets_embed",
    "sample_recipient",
    "date",
    "lint",
    "send",
    "languages",
    "esp",
)
REQUIRED_KEYS = (
    "name",
    "locale",
    "sender",
    "subject",
    "template",
    "segments",
    "unsubscribe",
    "company",
    "list_id",
)
_LIST_ID = re.compile(
    r"^(?:(?P<label>.*?)\s*)?<?(?P<id>[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+\.[A-Za-z0-9.-]+)>?$"
)

#: Used for the sample recipient when the campaign does not name one; the real token is
#: computed per recipient by the recipients area (an HMAC).
SAMPLE_RECIPIENT: Mapping[str, str] = {
    "email": "prenom.nom@exemple.example",
    "first_name": "Camille",
    "last_name": "Martin",
    "company": "Exemple SA",
    "unsubscribe_token": "sample-token",
}
DEFAULT_DATE = datetime.fromisoformat("2026-01-05T09:00:00+00:00")


@dataclass(frozen=True)
class Sender:
    from_addr: str
    reply_to: str | None


@dataclass(frozen=True)
class Unsubscribe:
    url: str  # a Jinja string; may use {{ recipient.unsubscribe_token }}
    mailto: str | None


@dataclass(frozen=True)
class Company:
    name: str
    postal_address: str
    legal: str


@dataclass(frozen=True)
class SendSettings:
    """The campaign's `send:` section: DKIM signing, the envelope sender, pacing overrides."""

    dkim_selector: str | None = None
    dkim_domain: str | None = None
    dkim_key: Path | None = None  # private key file (PEM RSA, or Ed25519 PEM/raw base64)
    return_path: str | None = None  # envelope sender (MAIL FROM), on the bounce domain
    pacing: Mapping[str, Any] = field(default_factory=dict)  # overrides of data/send_pacing.yaml


SEND_KEYS = ("dkim_selector", "dkim_domain", "dkim_key", "return_path", "pacing")


@dataclass(frozen=True)
class Campaign:
    path: Path
    name: str
    locale: str
    sender: Sender
    subject: str
    preheader: str
    template: Path
    segments: Path
    content: Mapping[str, Any]
    unsubscribe: Unsubscribe
    company: Company
    list_id: str  # as sent in the List-Id header: `Label <id.domain>` (RFC 2919)
    utm: Mapping[str, str] = field(default_factory=dict)
    assets_url: str = ""  # base URL of the campaign's published images, ending in "/"
    assets_embed: bool = False  # local images go in the .eml as inline CID parts (RFC 2387)
    sample_recipient: Mapping[str, str] = field(default_factory=lambda: dict(SAMPLE_RECIPIENT))
    date: datetime = DEFAULT_DATE
    lint: Mapping[str, Any] = field(default_factory=dict)  # overrides of [tool.b2bmail.lint]
    send: SendSettings = field(default_factory=SendSettings)
    # `esp:` — the ESP the campaign is written for (its own tags then stay literal), and our
    # field names -> that ESP's attribute names for `b2bmail export` (`esp.fields`).
    esp: str = ""
    esp_fields: Mapping[str, str] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)  # key -> line, for later errors
    # `languages: [fr, en]`: the declared languages (the first is the default, whose values
    # the fields above hold) and, per other language, its subject, preheader and content
    # (languages.for_language).
    languages: tuple[str, ...] = ()
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def line_of(self, key: str) -> int | None:
        """Line of a (dotted) key in the campaign file, for errors found after loading."""
        return self.lines.get(key)

    @property
    def template_dir(self) -> Path:
        return self.template.parent


def _address(node: yaml.Node, path: Path, what: str) -> str:
    text = expect_str(node, path, what)
    # RFC 5322 §2.2: a field body is printable characters, space and tab; a CR or LF would end
    # From/Reply-To early (the mail library refuses it mid-build, after the work is done).
    control = next(
        (char for char in text if char != "\t" and unicodedata.category(char) == "Cc"), None
    )
    if control is not None:
        raise ConfigError(
            _("{what} {text} contains the control character {control}").format(
                what=what, text=repr(text), control=repr(control)
            ),
            path=path,
            line=line_of(node),
            hint=_("write the address on one line, without escapes such as \\r or \\n"),
        )
    _name, addr = parseaddr(text)
    if "@" not in addr or " " in addr:
        raise ConfigError(
            _("{what} {text} is not an email address").format(what=what, text=repr(text)),
            path=path,
            line=line_of(node),
            hint=_("write `Name <user@domain>`"),
        )
    return text


def _existing_file(node: yaml.Node, path: Path, what: str) -> Path:
    rel = expect_str(node, path, what)
    target = (path.parent / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
    if not target.is_file():
        raise ConfigError(
            _("{what} {name} not found (looked in {target})").format(
                what=what, name=repr(rel), target=target
            ),
            path=path,
            line=line_of(node),
            hint=_("paths are relative to the campaign file"),
        )
    return target


@functools.cache
def _esp_facts() -> Mapping[str, Mapping[str, Any]]:
    text = resources.files("b2bmail.data").joinpath("esp.yaml").read_text(encoding="utf-8")
    facts: Mapping[str, Mapping[str, Any]] = yaml.safe_load(text)
    return facts


def esp_literal_tags(esp: str) -> re.Pattern[str] | None:
    """The tags of ESP `esp` (data/esp.yaml `literal_tags`) that a campaign written for it
    (`esp: NAME`) may hold literally; None without an ESP."""
    return re.compile(_esp_facts()[esp]["literal_tags"]) if esp else None


def _esp(node: yaml.Node, path: Path) -> tuple[str, dict[str, str]]:
    """`esp: brevo`, or `esp: {name: brevo, fields: {first_name: PRENOM}}`."""
    if isinstance(node, yaml.ScalarNode):
        name_node: yaml.Node | None = node
        esp: dict[str, yaml.Node] = {}
    else:
        esp = expect_mapping(node, path, "esp", allowed=("name", "fields"))
        name_node = esp.get("name")
    name = expect_str(name_node, path, "esp") if name_node is not None else ""
    if name and name not in _esp_facts():
        raise ConfigError(
            _("unknown ESP {name}").format(name=repr(name)),
            path=path,
            line=line_of(name_node) if name_node is not None else None,
            hint=_("use one of {names}").format(names=", ".join(_esp_facts())),
        )
    fields: dict[str, str] = {}
    if "fields" in esp:
        for key, value in expect_mapping(esp["fields"], path, "esp.fields").items():
            fields[key] = expect_str(value, path, f"esp.fields.{key}")
    return name, fields


def load_campaign_config(path: str | Path) -> Campaign:
    """Read and validate a campaign YAML file (ConfigError with file:line on any mistake)."""
    source = Path(path)
    top = expect_mapping(
        load_yaml_node(source, what=_("campaign file")),
        source,
        _("the campaign"),
        allowed=CAMPAIGN_KEYS,
        required=REQUIRED_KEYS,
    )

    locale_node = top["locale"]
    locale = expect_str(locale_node, source, "locale")
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise ConfigError(
            _("unknown locale {locale}").format(locale=repr(locale)),
            path=source,
            line=line_of(locale_node),
            hint=_("use a code like fr_FR, nl_NL or en_GB"),
        ) from None

    s = expect_mapping(
        top["sender"], source, "sender", allowed=("from", "reply_to"), required=("from",)
    )
    sender = Sender(
        from_addr=_address(s["from"], source, "sender.from"),
        reply_to=_address(s["reply_to"], source, "sender.reply_to") if "reply_to" in s else None,
    )

    u = expect_mapping(
        top["unsubscribe"], source, "unsubscribe", allowed=("url", "mailto"), required=("url",)
    )
    url = expect_str(u["url"], source, "unsubscribe.url")
    if not url.startswith("https://"):
        raise ConfigError(
            _("unsubscribe.url must be an https:// URL"),
            path=source,
            line=line_of(u["url"]),
            hint=_("RFC 8058 one-click unsubscribe requires HTTPS"),
        )
    mailto = None
    if "mailto" in u:
        mailto = expect_str(u["mailto"], source, "unsubscribe.mailto")
        if not mailto.startswith("mailto:"):
            mailto = f"mailto:{mailto}"

    c = expect_mapping(
        top["company"],
        source,
        "company",
        allowed=("name", "postal_address", "legal"),
        required=("name", "postal_address"),
    )
    company = Company(
        name=expect_str(c["name"], source, "company.name"),
        postal_address=expect_str(c["postal_address"], source, "company.postal_address"),
        legal=expect_str(c["legal"], source, "company.legal") if "legal" in c else "",
    )

    list_id_text = expect_str(top["list_id"], source, "list_id")
    m = _LIST_ID.match(list_id_text.strip())
    if not m:
        raise ConfigError(
            _("list_id {value} is not a list identifier").format(value=repr(list_id_text)),
            path=source,
            line=line_of(top["list_id"]),
            hint=_("RFC 2919: write `Label <name.your-domain.example>`"),
        )
    label = (m.group("label") or "").strip().strip('"')
    list_id = f"{label} <{m.group('id')}>" if label else f"<{m.group('id')}>"

    utm: dict[str, str] = {}
    if "utm" in top:
        for key, node in expect_mapping(
            top["utm"], source, "utm", allowed=("source", "medium", "campaign", "term", "content")
        ).items():
            utm[f"utm_{key}"] = expect_str(node, source, f"utm.{key}")

    assets_url = ""
    if "assets_url" in top:
        assets_url = expect_str(top["assets_url"], source, "assets_url")
        if not re.match(r"^https://[^/\s]+", assets_url) or any(c.isspace() for c in assets_url):
            raise ConfigError(
                _("assets_url {value} is not an https:// URL").format(value=repr(assets_url)),
                path=source,
                line=line_of(top["assets_url"]),
                hint=_(
                    "write the folder the images are uploaded to, e.g. https://cdn.example.com/t3/"
                ),
            )
        assets_url = assets_url if assets_url.endswith("/") else assets_url + "/"
    assets_embed = False
    if "assets_embed" in top:
        assets_embed = to_python(top["assets_embed"])
        if not isinstance(assets_embed, bool):
            raise ConfigError(
                _("assets_embed must be true or false, not {kind}").format(
                    kind=_kind(top["assets_embed"])
                ),
                path=source,
                line=line_of(top["assets_embed"]),
                hint=_("write `assets_embed: true` to embed local images in the .eml"),
            )

    sample = dict(SAMPLE_RECIPIENT)
    if "sample_recipient" in top:
        for key, node in expect_mapping(
            top["sample_recipient"], source, "sample_recipient"
        ).items():
            sample[key] = expect_str(node, source, f"sample_recipient.{key}", allow_empty=True)

    date = DEFAULT_DATE
    if "date" in top:
        raw = to_python(top["date"])  # YAML reads an unquoted timestamp as a datetime already
        text = (
            raw.isoformat()
            if isinstance(raw, datetime)
            else expect_str(top["date"], source, "date")
        )
        date = parse_date(text, path=source, line=line_of(top["date"]))

    content: Mapping[str, Any] = {}
    if "content" in top:
        expect_mapping(top["content"], source, "content")
        content = to_python(top["content"])

    lint: Mapping[str, Any] = {}
    if "lint" in top:
        expect_mapping(top["lint"], source, "lint")
        lint = to_python(top["lint"])

    send = _send_settings(top["send"], source) if "send" in top else SendSettings()
    languages: tuple[str, ...] = ()
    texts: dict[str, Any] = {}
    if "languages" in top:
        languages = parse_languages(to_python(top["languages"]), source, line_of(top["languages"]))
        if Locale.parse(locale).language != languages[0]:
            raise ConfigError(
                _(
                    "locale {locale} is not in the default language {language} (the first of"
                    " languages)"
                ).format(locale=locale, language=languages[0]),
                path=source,
                line=line_of(top["languages"]),
                hint=_("write a {language} locale, or put {own} first in languages").format(
                    language=languages[0], own=Locale.parse(locale).language
                ),
            )
    for key in ("subject", "preheader"):
        if key not in top:
            texts[key] = ""
            continue
        text_node = top[key]
        value = to_python(text_node)
        if per_language(value, languages, key, source, line_of(text_node)) is None:
            value = expect_str(text_node, source, key, allow_empty=key == "preheader")
        texts[key] = value
    raw_content = content
    content_line = line_of(top["content"]) if "content" in top else None

    def in_language(lang: str) -> dict[str, Any]:
        values = {
            key: resolve(value, languages, lang, key, source, content_line)
            for key, value in (*texts.items(), ("content", raw_content))
        }
        for key in texts:
            if not isinstance(values[key], str):
                raise ConfigError(
                    _("{key} in {language} must be a text").format(key=key, language=lang),
                    path=source,
                    line=line_of(top[key]),
                    hint=_("write {example}").format(
                        example=f"{key}: {{{', '.join(f'{x}: …' for x in languages)}}}"
                    ),
                )
        return values

    resolved = {lang: in_language(lang) for lang in languages}
    default = resolved[languages[0]] if languages else {**texts, "content": raw_content}
    esp, esp_fields = _esp(top["esp"], source) if "esp" in top else ("", {})

    return Campaign(
        languages=languages,
        translations={lang: resolved[lang] for lang in languages[1:]},
        path=source,
        lint=lint,
        send=send,
        esp=esp,
        esp_fields=esp_fields,
        lines={
            **{key: line_of(node) for key, node in top.items()},
            **{f"unsubscribe.{key}": line_of(node) for key, node in u.items()},
        },
        name=expect_str(top["name"], source, "name"),
        locale=locale,
        sender=sender,
        subject=default["subject"],
        preheader=default["preheader"],
        template=_existing_file(top["template"], source, "template"),
        segments=_existing_file(top["segments"], source, _("segments file")),
        content=default["content"],
        unsubscribe=Unsubscribe(url=url, mailto=mailto),
        company=company,
        list_id=list_id,
        utm=utm,
        assets_url=assets_url,
        assets_embed=assets_embed,
        sample_recipient=sample,
        date=date,
    )


def _send_settings(node: yaml.Node, source: Path) -> SendSettings:
    """The `send:` section, checked key by key (file:line on any mistake)."""
    s = expect_mapping(node, source, "send", allowed=SEND_KEYS)
    text = {
        key: expect_str(s[key], source, f"send.{key}")
        for key in ("dkim_selector", "dkim_domain")
        if key in s
    }
    if ("dkim_selector" in s) != ("dkim_domain" in s) or ("dkim_key" in s) != ("dkim_domain" in s):
        raise ConfigError(
            _("send: dkim_selector, dkim_domain and dkim_key go together"),
            path=source,
            line=line_of(node),
            hint=_("give all three, or none to send unsigned"),
        )
    pacing: Mapping[str, Any] = {}
    if "pacing" in s:
        expect_mapping(s["pacing"], source, "send.pacing")
        pacing = to_python(s["pacing"])
    return SendSettings(
        dkim_selector=text.get("dkim_selector"),
        dkim_domain=text.get("dkim_domain"),
        dkim_key=_existing_file(s["dkim_key"], source, "send.dkim_key")
        if "dkim_key" in s
        else None,
        return_path=_address(s["return_path"], source, "send.return_path")
        if "return_path" in s
        else None,
        pacing=pacing,
    )


def parse_date(text: str, *, path: Path | None = None, line: int | None = None) -> datetime:
    """An ISO 8601 date-time with a UTC offset (the sample message's Date header)."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise ConfigError(
            _("date {value} is not an ISO 8601 date-time").format(value=repr(text)),
            path=path,
            line=line,
            hint=_("e.g. 2026-07-01T08:00:00+02:00"),
        ) from None
    if value.tzinfo is None:
        raise ConfigError(
            _("date {value} has no UTC offset").format(value=repr(text)),
            path=path,
            line=line,
            hint=_("add one, e.g. +02:00 or Z"),
        )
    return value


def for_language(campaign: Campaign, language: object) -> Campaign:
    """The campaign as a recipient of `language` gets it: that language's values when it is
    declared, else the default language's (the campaign as loaded)."""
    if not campaign.languages or language not in campaign.languages[1:]:
        return campaign
    lang = str(language)
    texts = campaign.translations[lang]
    return replace(
        campaign,
        subject=texts["subject"],
        preheader=texts["preheader"],
        content=texts["content"],
        locale=language_locale(campaign.locale, lang),
    )
