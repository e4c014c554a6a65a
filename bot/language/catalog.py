"""The message catalogs' upkeep, with Babel: extract every marked string of bot/, handlers/
and jobs/ into `messages.pot`, merge it into each language's `.po`, compile the `.mo`, and
name the strings that still lack a translation.

    python -m bot.language.catalog update    # extract, merge into zh/LC_MESSAGES/messages.po
    python -m bot.language.catalog compile   # .po -> .mo (`make` does it when the .po changes)
    python -m bot.language.catalog check     # the msgids without a translation; exit 1 if any

A string is marked by the call that shows it: `words(language)._("...")`, `n_("...", "...", n)`,
`Msg("...")` for text said later, `N_("...")` for a constant declared as data. Extraction walks
the folders, so a new module's strings are found without being listed anywhere.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.core.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, catalog_paths

PROJECT = "warroom-bot"
ROOT = LOCALE_DIR.parents[2]
SOURCES = ("bot", "handlers", "jobs")
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
# Babel's usual keywords, and the project's own: Msg (said later) and n_ (plurals).
KEYWORDS: dict[str, Any] = {**DEFAULT_KEYWORDS, "Msg": None, "n_": (1, 2)}
TRANSLATED = tuple(language for language in LANGUAGES if language != "en")
_PLURALS = {"zh": "nplurals=1; plural=0;"}


def extract(root: Path = ROOT, sources: Iterable[str] = SOURCES) -> Catalog:
    """Every marked string of the source folders, with where it is used."""
    template = Catalog(project=PROJECT, fuzzy=False)
    for folder in sources:
        found = extract_from_dir(
            root / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        )
        for filename, line, message, comments, context in found:
            where = (f"{folder}/{filename}", line)
            template.add(message, None, [where], auto_comments=comments, context=context)
    return template


def read_catalog(language: str) -> Catalog:
    """A language's catalog as stored (an empty one when there is none yet)."""
    po, _ = catalog_paths(language)
    if not po.exists():
        return Catalog(locale=language, project=PROJECT)
    with po.open("rb") as source:
        return read_po(source, locale=language)


def update(root: Path = ROOT) -> Catalog:
    """Extract the template, write messages.pot, and merge it into every language's .po
    (new strings added untranslated, strings no longer used dropped)."""
    template = extract(root)
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as out:
        write_po(out, template, width=100, omit_header=False)
    for language in TRANSLATED:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        po, _ = catalog_paths(language)
        po.parent.mkdir(parents=True, exist_ok=True)
        with po.open("wb") as out:
            write_po(out, catalog, width=100, omit_header=False)
        _set_plural_forms(po, language)
    return template


def _set_plural_forms(po: Path, language: str) -> None:
    forms = _PLURALS.get(language)
    if forms is None:
        return
    text = po.read_text(encoding="utf-8")
    lines = [
        f'"Plural-Forms: {forms}\\n"' if line.startswith('"Plural-Forms:') else line
        for line in text.split("\n")
    ]
    po.write_text("\n".join(lines), encoding="utf-8")


def compile_all() -> list[Path]:
    """Compile every language's .po into its .mo; the files written."""
    written = []
    for language in TRANSLATED:
        po, mo = catalog_paths(language)
        with po.open("rb") as source:
            catalog = read_po(source, locale=language)
        with mo.open("wb") as out:
            write_mo(out, catalog)
        written.append(mo)
    return written


def _translated(message: Any) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(bool(text and text.strip()) for text in strings)


def missing(language: str, template: Catalog | None = None) -> list[str]:
    """The msgids of the source (extracted now) that `language`'s catalog does not translate,
    in the order they are found."""
    template = template if template is not None else extract()
    catalog = read_catalog(language)
    out = []
    for message in template:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if not _translated(catalog.get(key, context=message.context)):
            out.append(key)
    return out


def main(argv: list[str]) -> int:
    """`update`, `compile` or `check` (see the module's docstring)."""
    command = argv[0] if argv else "check"
    if command == "update":
        template = update()
        print(f"{len(template)} messages in {TEMPLATE.relative_to(ROOT)}")
        command = "check"
    if command == "compile":
        for path in compile_all():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    if command == "check":
        problems = 0
        for language in TRANSLATED:
            lacking = missing(language)
            problems += len(lacking)
            for msgid in lacking:
                print(f"{language}: no translation for {msgid!r}")
        return 1 if problems else 0
    print(f"unknown command {command!r}; use update, compile or check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
