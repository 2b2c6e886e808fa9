"""Russian and English for every message, prompt and help text of the ``papka`` command.

Messages are English msgids looked up in the gettext catalogues under ``cli/locale``
(``python -m papka.cli.i18n_build`` extracts and compiles them with Babel). Help texts are
marked with :func:`N_` where they are declared and translated when help is shown, so
``--lang`` chosen on the command line applies to them too.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Callable, Mapping
from pathlib import Path

DOMAIN = "papka"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "ru")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def language_from_environment(environ: Mapping[str, str] | None = None,
                              system_language: Callable[[], str | None] | None = None) -> str:
    """The language the person's system asks for: the first locale variable that names one
    (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else the language the operating system's interface
    is set to (Windows and macOS keep it outside the environment; papka.host asks them).
    Russian when that says Russian, English otherwise; ``--lang`` overrides all of it."""
    env = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        # LANGUAGE may list several languages ("ru:en"); the first one wins.
        first = env.get(name, "").split(":")[0].lower()
        if first and first.split(".")[0] not in _NO_LANGUAGE:
            return _language_of(first)
    if system_language is None:
        from papka import host

        system_language = host.system_ui_language
    system = system_language()
    return _language_of(system.lower()) if system else "en"


#: Locale values that name no language ("C.UTF-8" is what many shells and containers set).
_NO_LANGUAGE = frozenset({"c", "posix"})


def _language_of(locale_name: str) -> str:
    return "ru" if locale_name.startswith("ru") else "en"


def set_language(language: str) -> None:
    """Switch every later message to ``language`` ("en" or "ru")."""
    global _translation, _language
    if language not in LANGUAGES:
        language = "en"
    _language = language
    _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate a message into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on a number (Russian has three forms)."""
    return _translation.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where it is shown."""
    return message


def ngettext_noop(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for extraction without translating it."""
    return singular, plural


def route_click_messages() -> None:
    """Send click's own messages ("Usage:", "No such option") through papka's catalogue.

    click looks its messages up with the module-level ``_``/``ngettext`` it imported from
    gettext; pointing those names at papka's translation is the narrowest way to translate them
    without changing the process-wide gettext domain or the environment.
    """
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types",
                 "utils", "shell_completion", "_termui_impl"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


set_language(language_from_environment())


def translate_into(language: str, message: str) -> str:
    """``message`` in ``language`` whatever the current one (to accept Russian input in an
    English session and the other way round)."""
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language],
                               fallback=True).gettext(message)
