"""Extract the command's messages with Babel, update the catalogues, compile them.

    python -m papka.cli.i18n_build           # extract, merge into ru/en .po, compile .mo
    python -m papka.cli.i18n_build --check   # change nothing; list what is missing or stale

The English catalogue maps every message to itself; the Russian one is translated by hand in
``cli/locale/ru/LC_MESSAGES/papka.po``. The ``--check`` mode is what the test suite runs.
"""

from __future__ import annotations

import datetime
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .i18n import DOMAIN, LANGUAGES, LOCALE_DIR

CLI_DIR = Path(__file__).resolve().parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "ngettext_noop": (1, 2)}
#: Fixed dates keep the files byte-for-byte stable between runs.
STAMP = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
_PLACEHOLDER = re.compile(r"\{[a-z_]*(?:![rs])?\}|%\([a-z]+\)s")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def extract() -> Catalog:
    """Every marked message in cli/, as a template catalogue."""
    template = Catalog(project="papka", domain=DOMAIN, creation_date=STAMP, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(CLI_DIR), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",)):
        template.add(message, locations=[(filename, lineno)], auto_comments=comments,
                     context=context)
    return template


def _load(language: str) -> Catalog:
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            return read_po(handle, locale=language, domain=DOMAIN)
    return Catalog(locale=language, domain=DOMAIN, project="papka", creation_date=STAMP)


def merged(language: str, template: Catalog) -> Catalog:
    """The language's catalogue brought up to date with ``template``."""
    catalog = _load(language)
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    catalog.obsolete.clear()
    catalog.creation_date = STAMP
    catalog.revision_date = STAMP
    catalog.fuzzy = False
    catalog.project = "papka"
    catalog.version = ""
    catalog.last_translator = "papka"
    catalog.language_team = language
    catalog.msgid_bugs_address = ""
    if language == "en":
        for message in catalog:
            if message.id:
                message.string = message.id
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, sort_output=True, omit_header=False,
             include_previous=False)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _strings(message: Message) -> list[str]:
    value = message.string
    if isinstance(value, tuple | list):
        return [str(s) for s in value]
    return [str(value or "")]


def _ids(message: Message) -> list[str]:
    return [str(i) for i in message.id] if isinstance(message.id, tuple | list) \
        else [str(message.id)]


def problems() -> list[str]:
    """What is wrong with the committed catalogues; empty when everything is in order."""
    template = extract()
    found: list[str] = []
    for language in LANGUAGES:
        path = po_path(language)
        if not path.exists():
            found.append(f"{language}: {path.name} is missing")
            continue
        with path.open("rb") as handle:
            committed = read_po(handle, locale=language, domain=DOMAIN)
        wanted = {m.id for m in template if m.id}
        present = {m.id for m in committed if m.id}
        for msgid in sorted(map(str, wanted - present)):
            found.append(f"{language}: not in the catalogue: {msgid!r}")
        for message in committed:
            if not message.id or message.id not in wanted:
                continue
            strings = _strings(message)
            if message.fuzzy or not all(strings):
                found.append(f"{language}: not translated: {_ids(message)[0]!r}")
                continue
            ids = _ids(message)
            # A plural form may use either form's placeholders (Russian has three forms).
            allowed = set().union(*(_PLACEHOLDER.findall(i) for i in ids))
            for string in strings:
                used = set(_PLACEHOLDER.findall(string))
                if (len(ids) == 1 and used != allowed) or not used <= allowed:
                    found.append(f"{language}: placeholders differ in {_ids(message)[0]!r}")
        mo = mo_path(language)
        if not mo.exists() or mo.read_bytes() != mo_bytes(committed):
            found.append(f"{language}: {mo.name} is stale; run python -m papka.cli.i18n_build")
    return found


def build() -> None:
    for language in LANGUAGES:
        # A fresh template each time: Catalog.update may share Message objects with it.
        catalog = merged(language, extract())
        po_path(language).parent.mkdir(parents=True, exist_ok=True)
        po_path(language).write_bytes(po_bytes(catalog))
        # Compile from the file just written, so that --check compares like with like.
        with po_path(language).open("rb") as handle:
            mo_path(language).write_bytes(mo_bytes(read_po(handle, locale=language,
                                                           domain=DOMAIN)))


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments == ["--check"]:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    if arguments:
        print(__doc__)
        return 1
    build()
    for line in problems():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
