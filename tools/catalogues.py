"""Extract, update, compile and check b2bmail's message catalogues (Babel).

    python tools/catalogues.py extract   # src/b2bmail/locale/<domain>.pot from the source
    python tools/catalogues.py update    # merge each .pot into locale/<lang>/LC_MESSAGES/<domain>.po
    python tools/catalogues.py compile   # .po -> .mo (the package ships the .mo files)
    python tools/catalogues.py check     # what is missing, untranslated, fuzzy or stale

Babel's extractor does not look inside f-strings: write `_("{n} rows").format(n=n)`, never
`f"{_('…')}"`. One domain per area of the code (`b2bmail.i18n.DOMAIN_SOURCES`). The extraction reads `_()`,
`N_()` and `ngettext()` calls; `EXTRA_SOURCES` may add messages that are not calls in the code
(Click help texts read from the commands themselves). `check` is what tests/test_catalogues.py
runs: a catalogue is complete when every message of the source is translated in fr and nl, with
the same placeholders, and the .mo files are compiled from the current .po files.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "b2bmail"
sys.path.insert(0, str(ROOT / "src"))

from b2bmail.i18n import DOMAIN_SOURCES, DOMAINS, LANGUAGES, LOCALE_DIR  # noqa: E402

TRANSLATED = tuple(language for language in LANGUAGES if language != "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PROJECT = "b2bmail"
HEADER = {
    "project": PROJECT,
    "copyright_holder": "the b2bmail authors",
    "msgid_bugs_address": "",
    "last_translator": "the b2bmail team",
    "language_team": "the b2bmail team",
}

#: Domain -> functions yielding (msgid, location) pairs that are not `_()` calls in the code,
#: e.g. the help texts of the Click commands. Registered by the area that owns them.
EXTRA_SOURCES: dict[str, list[Callable[[], Iterable[tuple[str | tuple[str, str], str]]]]] = {}


def cli_help() -> Iterator[tuple[str, str]]:
    """The help texts of the Click commands (`b2bmail.cli.app.help_texts`)."""
    from b2bmail.cli.app import help_texts

    yield from help_texts()


#: Click translates this word from a variable (`_(extra["required"])`), out of Babel's sight.
CLICK_UNSEEN = ("required",)


def click_words() -> Iterator[tuple[str | tuple[str, str], str]]:
    """Click's own words ("Usage:", "Error: {message}", "No such option {name!r}." …), read
    from the installed Click the way the extraction reads b2bmail: the CLI looks them up in
    the `cli` catalogue (`b2bmail.cli.app.speak_clicks_words`). A new Click version with new
    words makes the catalogue test fail until they are translated."""
    import click

    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        for _lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords={"_": None, "ngettext": (1, 2)}
        ):
            msgid = message if isinstance(message, str) else (message[0], message[1])
            yield msgid, f"click/{path.name}"
    yield from ((word, "click/core.py") for word in CLICK_UNSEEN)


EXTRA_SOURCES["cli"] = [cli_help, click_words]


def rule_documentation() -> Iterator[tuple[str, str]]:
    """The prose sections of every lint rule's docstring, as `Rule.sections` looks them up."""
    from b2bmail.lint.registry import all_rules
    from b2bmail.lint.rule import PROSE_SECTIONS

    for rule in all_rules():
        origin = rule.check.__module__.removeprefix("b2bmail.").replace(".", "/") + ".py"
        for heading in PROSE_SECTIONS:
            yield rule.english_sections[heading], origin


EXTRA_SOURCES.setdefault("lint", []).append(rule_documentation)

#: `{name}`, `{0}`, `{name!r}`, `{n:,}` and printf `%s`/`%(name)s`: what must survive translation.
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sdr]|%[sdr]")


def domain_of(path: Path) -> str:
    """The catalogue a source file's messages belong to (first matching prefix wins)."""
    relative = path.relative_to(SRC).as_posix()
    for domain in DOMAINS:
        if any(relative.startswith(prefix) for prefix in DOMAIN_SOURCES[domain] if prefix):
            return domain
    return "library"


def template(domain: str) -> Catalog:
    """The .pot of `domain`, extracted from the source now."""
    catalog = Catalog(fuzzy=False, **HEADER)
    for path in sorted(SRC.rglob("*.py")):
        if domain_of(path) != domain:
            continue
        for lineno, message, comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, comment_tags=("Translators:",)
        ):
            where = (path.relative_to(SRC).as_posix(), lineno)
            catalog.add(message, locations=[where], auto_comments=comments, context=context)
    for source in EXTRA_SOURCES.get(domain, []):
        for extra, origin in source():
            catalog.add(extra, locations=[(origin, 0)])
    return catalog


def po_path(domain: str, language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def _risk_model_messages() -> Iterator[tuple[str, str]]:
    """The audit reasons: the packaged risk model's factor messages, which the audit
    translates where it fills them in (deliverability/audit/risk.py `evaluate`)."""
    import yaml

    path = SRC / "data" / "deliverability_risk.yaml"
    for spec in yaml.safe_load(path.read_text(encoding="utf-8"))["factors"].values():
        yield str(spec["message"]), path.relative_to(SRC).as_posix()


EXTRA_SOURCES.setdefault("library", []).append(_risk_model_messages)


def read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, fuzzy=False, **HEADER)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def mo_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def extract() -> None:
    for domain in DOMAINS:
        write(template(domain), LOCALE_DIR / f"{domain}.pot")


def update() -> None:
    for domain in DOMAINS:
        pot = template(domain)
        for language in TRANSLATED:
            path = po_path(domain, language)
            catalog = read(path, language)
            catalog.update(pot, no_fuzzy_matching=True)
            catalog.obsolete.clear()  # a message the code no longer has is gone, not kept
            write(catalog, path)


def compile_all() -> None:
    for domain in DOMAINS:
        for language in TRANSLATED:
            path = po_path(domain, language)
            if path.exists():
                path.with_suffix(".mo").write_bytes(mo_bytes(read(path, language)))


def ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def strings(message: Message) -> list[str]:
    value = message.string
    return list(value) if isinstance(value, (list, tuple)) else [value or ""]


def hidden_messages(paths: Iterable[Path]) -> Iterator[tuple[Path, int, str]]:
    """`_("…")` calls written inside an f-string: (file, line, message). Babel's extractor
    reads an f-string as one string token and never looks inside it, so such a message is in
    no catalogue and stays English in every language without any other check noticing."""
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for fstring in ast.walk(tree):
            if not isinstance(fstring, ast.JoinedStr):
                continue
            for call in ast.walk(fstring):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Name)
                    and call.func.id in KEYWORDS
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and isinstance(call.args[0].value, str)
                ):
                    yield path, call.lineno, call.args[0].value


def problems() -> Iterator[str]:
    """Every way the catalogues differ from the source, one line each."""
    for path, line, hidden in hidden_messages(sorted(SRC.rglob("*.py"))):
        yield (
            f"{path.relative_to(ROOT)}:{line}: {hidden!r} is inside an f-string, where the"
            " extraction cannot see it — move the _() call out of the f-string"
        )
    for domain in DOMAINS:
        wanted = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0])
            for m in template(domain)
            if m.id
        }
        for language in TRANSLATED:
            path = po_path(domain, language)
            if not wanted and not path.exists():
                continue
            catalog = read(path, language)
            have = {}
            for message in catalog:
                if message.id:
                    have[(message.context, ids(message)[0])] = message
            where = path.relative_to(ROOT)
            for key in sorted(wanted - set(have), key=str):
                yield f"{where}: not in the catalogue (run `make i18n-update`): {key[1]!r}"
            for key in sorted(set(have) - wanted, key=str):
                yield f"{where}: no longer in the source (run `make i18n-update`): {key[1]!r}"
            for key, message in sorted(have.items(), key=lambda item: str(item[0])):
                if key not in wanted:
                    continue
                if message.fuzzy or not all(strings(message)):
                    yield f"{where}: untranslated or fuzzy: {key[1]!r}"
                    continue
                expected = sorted(PLACEHOLDER.findall(ids(message)[-1]))
                for text in strings(message):
                    if sorted(PLACEHOLDER.findall(text)) != expected:
                        yield f"{where}: placeholders differ in {key[1]!r}: {text!r}"
            mo = path.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
                yield f"{mo.relative_to(ROOT)}: not compiled from the current .po (run `make i18n-compile`)"


def main(argv: list[str]) -> int:
    commands = {"extract": extract, "update": update, "compile": compile_all}
    if len(argv) == 2 and argv[1] in commands:
        commands[argv[1]]()
        return 0
    if len(argv) == 2 and argv[1] == "check":
        found = list(problems())
        print("\n".join(found) or "catalogues complete")
        return 1 if found else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
