"""Every sentence the library can raise has Russian: walk the error tree, read the raises."""

from __future__ import annotations

import ast
from pathlib import Path

import papka.exchange
import papka.formats
import papka.vault
from papka.cli.i18n import translate_into
from papka.cli.library_messages import MESSAGES
from papka.errors import PapkaError
from tests.error_classes import every_error_class

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = (ROOT / "vault", ROOT / "formats", ROOT / "exchange", ROOT / "src" / "papka")


def _error_classes() -> set[type[PapkaError]]:
    found = every_error_class(papka.vault, papka.formats, papka.exchange)
    # The command's own errors are translated where they are raised.
    return {c for c in found if not c.__module__.startswith("papka.cli")}


def _raised_sentences(class_names: set[str]) -> dict[str, str]:
    """Constant sentences given to a library error class (message and hint), with where."""
    sentences: dict[str, str] = {}
    for folder in LIBRARY:
        for path in sorted(folder.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else \
                    func.attr if isinstance(func, ast.Attribute) else ""
                if name not in class_names:
                    continue
                given = [*node.args[:1], *(k.value for k in node.keywords
                                           if k.arg in ("message", "hint"))]
                for value in given:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        sentences.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return sentences


def _untranslated(sentences: dict[str, str]) -> list[str]:
    return sorted(f"{where}: {text}" for text, where in sentences.items()
                  if translate_into("ru", text) == text)


def test_the_walk_sees_the_whole_error_tree() -> None:
    names = {c.__name__ for c in _error_classes()}
    # One from each corner: the base, the vault, bundles, formats.
    assert {"PapkaError", "NoCompartmentOpens", "SignatureError", "TooLargeError"} <= names
    assert len(names) > 30


def test_every_library_error_class_has_russian_for_its_sentence_and_hint() -> None:
    sentences: dict[str, str] = {}
    for cls in _error_classes():
        for text in (cls.default_message, cls.hint):
            if text:
                sentences.setdefault(text, f"{cls.__module__}.{cls.__qualname__}")
    assert _untranslated(sentences) == []


def test_every_sentence_the_library_raises_has_russian() -> None:
    names = {c.__name__ for c in _error_classes()}
    sentences = _raised_sentences(names)
    assert len(sentences) > 150
    assert _untranslated(sentences) == []


def test_every_library_sentence_is_listed_for_extraction() -> None:
    names = {c.__name__ for c in _error_classes()}
    listed = set(MESSAGES)
    raised = set(_raised_sentences(names))
    classes = {t for c in _error_classes() for t in (c.default_message, c.hint) if t}
    assert sorted((raised | classes) - listed) == []


def _commands() -> list[list[str]]:
    import click

    from papka.cli.main import cli

    found: list[list[str]] = [[]]

    def walk(group: click.Group, words: list[str]) -> None:
        for name, command in group.commands.items():
            found.append([*words, name])
            if isinstance(command, click.Group):
                walk(command, [*words, name])

    walk(cli, [])
    return found


def test_usage_placeholders_are_russian_in_russian_help() -> None:
    import click
    from click.testing import CliRunner

    from papka.cli.main import cli

    untranslated: list[str] = []
    for words in _commands():
        command: click.Command = cli
        for word in words:
            assert isinstance(command, click.Group)
            command = command.commands[word]
        for param in command.params:
            placeholder = param.metavar or (param.name.upper() if isinstance(
                param, click.Argument) and param.name else None)
            # Single letters, numbers and choices of values read the same in both languages.
            if placeholder and any(c.isalpha() for c in placeholder) and len(placeholder) > 1 \
                    and placeholder != "ru|en" and translate_into("ru", placeholder) == placeholder:
                untranslated.append(f"{' '.join(words)}: {placeholder}")
        result = CliRunner().invoke(cli, ["--lang", "ru", *words, "--help"])
        assert result.exit_code == 0, words
        usage = result.stdout.splitlines()[0]
        assert "[OPTIONS]" not in usage and "COMMAND" not in usage, usage
    assert untranslated == []


def test_version_and_a_wrong_lang_are_in_the_keepers_language() -> None:
    from click.testing import CliRunner

    from papka.cli.main import cli

    runner = CliRunner()
    assert runner.invoke(cli, ["--lang", "ru", "--version"]).stdout.startswith("papka, версия ")
    assert runner.invoke(cli, ["--version"], env={"LANGUAGE": "en"}).stdout.startswith(
        "papka, version ")
    wrong = runner.invoke(cli, ["--lang", "de", "list"], env={"LANGUAGE": "ru"})
    assert wrong.exit_code == 1
    assert "выберите ru (русский) или en (английский)" in wrong.stderr


def test_the_command_shows_no_sentence_that_skips_the_catalogue() -> None:
    """Every literal sentence the command shows goes through _() (and so needs Russian): only
    shell command lines the demo prints are shown as they are."""
    shown_by = {"note", "echo", "secho", "say", "heading", "prompt", "confirm", "ask_text",
                "CommandUsageError", "CommandDamagedError", "PassphraseInputError",
                "BadParameter"}
    bare: list[str] = []
    for path in sorted((ROOT / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name not in shown_by or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text = first.value
            elif isinstance(first, ast.JoinedStr):
                text = "".join(v.value for v in first.values
                               if isinstance(v, ast.Constant) and isinstance(v.value, str))
            else:
                continue
            if any(c.isalpha() for c in text) and not text.startswith("$ papka "):
                bare.append(f"{path.name}:{node.lineno}: {text}")
    assert bare == []
