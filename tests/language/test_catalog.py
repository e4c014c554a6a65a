"""The message catalog: every string the code marks has its Chinese translation (the test
names each one that lacks it), the translations keep their fields, extraction finds a new
module's strings without being told, and the compiled catalog says what the .po says.

To translate a new string: `make catalogs` (adds it to messages.pot and, untranslated, to
bot/language/locale/zh/LC_MESSAGES/messages.po), write its msgstr there, `make catalogs` again.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from bot.core.i18n import catalog_paths, compile_catalog, words
from bot.language.catalog import extract, missing, read_catalog

FIELDS = re.compile(r"\{[^{}]*\}")


def test_every_marked_string_has_its_chinese_translation() -> None:
    lacking = missing("zh")
    assert not lacking, (
        f"{len(lacking)} string(s) have no Chinese translation; run `make catalogs`, translate "
        "them in bot/language/locale/zh/LC_MESSAGES/messages.po, run `make catalogs` again:\n"
        + "\n".join(repr(msgid) for msgid in lacking)
    )


def test_translations_keep_the_fields_of_their_message() -> None:
    wrong = []
    for message in read_catalog("zh"):
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        if sorted(FIELDS.findall(msgid)) != sorted(FIELDS.findall(text)):
            wrong.append(msgid)
    assert not wrong, wrong


def test_extraction_finds_the_strings_of_a_new_module(tmp_path: Path) -> None:
    package = tmp_path / "feature"
    package.mkdir()
    (package / "brand_new.py").write_text(
        "from bot.core.i18n import N_, Msg, words\n"
        "TITLE = N_('A declared title')\n"
        "def say(language):\n"
        "    t = words(language)\n"
        "    return t._('Hello {name}', name='x') + t.n_('{n} day', '{n} days', 2, n=2)\n"
        "def later():\n"
        "    return Msg('Said later')\n",
        encoding="utf-8",
    )
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in extract(tmp_path, ["feature"])}
    assert {"A declared title", "Hello {name}", "{n} day", "Said later"} <= found


def test_missing_names_an_untranslated_string(tmp_path: Path) -> None:
    package = tmp_path / "feature"
    package.mkdir()
    (package / "x.py").write_text("N_('Share to channel')\nN_('Not in any catalog yet')\n")
    assert missing("zh", extract(tmp_path, ["feature"])) == ["Not in any catalog yet"]


def test_the_compiled_catalog_says_what_the_po_says() -> None:
    po, mo = catalog_paths("zh")
    assert po.exists()
    from_po = gettext.GNUTranslations(compile_catalog(po))
    loaded = words("zh")
    for message in read_catalog("zh"):
        if message.id and isinstance(message.id, str):
            assert loaded._(message.id) == from_po.gettext(message.id), message.id
