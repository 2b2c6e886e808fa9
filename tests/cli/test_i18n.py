"""Russian and English: complete catalogues, compiled .mo up to date, language choice."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from papka.cli import i18n_build
from papka.cli.i18n import language_from_environment
from papka.cli.main import cli

from .conftest import Papka

CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)


def test_every_message_has_a_russian_translation_and_the_mo_files_are_fresh() -> None:
    assert i18n_build.problems() == []


def test_extraction_finds_the_messages_of_every_module() -> None:
    files = {location[0] for message in i18n_build.extract() for location in message.locations}
    for module in ("main.py", "documents.py", "container.py", "shell.py", "demo.py",
                   "dispatch.py", "context.py", "passphrases.py", "click_messages.py",
                   "library_messages.py"):
        assert module in files


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANGUAGE": "ru:en", "LANG": "en_US.UTF-8"}, "ru"),
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LANG": "kk_KZ.UTF-8"}, "en"),
    ({}, "en"),
])
def test_language_comes_from_the_locale(environ: dict[str, str], expected: str) -> None:
    assert language_from_environment(environ, system_language=lambda: None) == expected
    # A locale variable that names a language wins over the system's interface language.
    if environ:
        assert language_from_environment(environ, system_language=lambda: "ru_RU") == expected


@pytest.mark.parametrize(("environ", "system", "expected"), [
    ({}, "ru_RU", "ru"),            # Windows: GetUserDefaultUILanguage 0x0419
    ({}, "ru-RU", "ru"),
    ({}, "en_US", "en"),
    ({}, None, "en"),
    ({"LANG": "C.UTF-8"}, "ru_RU", "ru"),   # "C" names no language: ask the system
    ({"LC_ALL": "POSIX"}, "ru_RU", "ru"),
    ({"LANG": "C.UTF-8"}, None, "en"),
])
def test_without_a_locale_variable_the_system_language_decides(
        environ: dict[str, str], system: str | None, expected: str) -> None:
    assert language_from_environment(environ, system_language=lambda: system) == expected


def test_the_system_language_is_asked_through_the_host_layer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from papka import host

    monkeypatch.setattr(host, "system_ui_language", lambda: "ru_RU")
    assert language_from_environment({}) == "ru"
    assert language_from_environment({"LANG": "en_US.UTF-8"}) == "en"


def test_every_command_has_russian_help() -> None:
    runner = CliRunner()
    names = [[name] for name in cli.commands] + [["compartment", "add"], []]
    for words in names:
        result = runner.invoke(cli, ["--lang", "ru", *words, "--help"])
        assert result.exit_code == 0, words
        description = result.stdout.split("\n\n")[1]
        assert CYRILLIC.search(description), words
        assert "Использование:" in result.stdout
        if words:
            assert "Примеры:" in result.stdout or words == ["compartment"], words


def test_locale_chooses_russian_and_lang_overrides_it(papka: Papka) -> None:
    russian = papka("list", env={"LANGUAGE": "ru"})
    assert russian.exit_code == 1
    assert "papka: ошибка: Контейнер не указан" in russian.stderr or \
        "papka: ошибка: По указанному пути нет контейнера." in russian.stderr
    english = papka("--lang", "en", "list", env={"LANGUAGE": "ru"})
    assert "papka: error:" in english.stderr


def test_library_errors_are_translated(decoy_only: Papka) -> None:
    from .conftest import DECOY

    wrong = decoy_only("--lang", "ru", "list", passphrases=["nope"])
    assert wrong.stderr.splitlines()[0] == \
        "papka: ошибка: Ни один отсек не открывается этим паролем."
    missing = decoy_only("--lang", "ru", "show", "abcdef12", passphrases=[DECOY])
    # The library's sentence names the id, so the general Russian sentence is shown instead.
    assert missing.stderr.splitlines()[0] == "papka: ошибка: Документа с таким номером нет."
    bad_option = decoy_only("--lang", "ru", "list", "--nope")
    assert bad_option.exit_code == 1 and "Нет такого параметра" in bad_option.stderr


def test_a_russian_system_without_locale_variables_gets_russian_help(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from papka import host
    from papka.cli.i18n import set_language

    monkeypatch.setattr(host, "system_ui_language", lambda: "ru_RU")
    unset = {"LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8"}
    try:
        russian = CliRunner().invoke(cli, ["--help"], env=unset)
        english = CliRunner().invoke(cli, ["--lang", "en", "--help"], env=unset)
    finally:
        set_language("en")
    assert russian.exit_code == 0 and "Использование:" in russian.stdout
    assert english.exit_code == 0 and "Usage:" in english.stdout
