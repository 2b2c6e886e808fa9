"""click command classes that show help in the chosen language and report errors calmly."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import click

from .dispatch import report_error
from .i18n import LANGUAGES, _, language_from_environment, route_click_messages, set_language


@contextmanager
def _translated_help(command: click.Command) -> Iterator[None]:
    """Show the command's and its parameters' help translated, then put the msgids back."""
    saved: list[tuple[Any, str, Any]] = []

    def swap(owner: Any, attribute: str) -> None:
        value = getattr(owner, attribute, None)
        if isinstance(value, str) and value:
            saved.append((owner, attribute, value))
            setattr(owner, attribute, _(value))

    swap(command, "help")
    swap(command, "short_help")
    swap(command, "epilog")
    swap(command, "options_metavar")
    swap(command, "subcommand_metavar")
    for param in command.params:
        swap(param, "help")
        if isinstance(param, click.Argument) and param.metavar is None and param.name:
            # click writes an argument without a metavar as its name in capitals.
            saved.append((param, "metavar", None))
            param.metavar = _(param.name.upper())
        else:
            swap(param, "metavar")
    try:
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            setattr(owner, attribute, value)



class PapkaCommand(click.Command):
    """A command whose help texts are msgids, translated when shown."""

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self):
            super().format_usage(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated_help(self):
            return super().get_short_help_str(limit)


class PapkaGroup(click.Group):
    """A group of papka commands; the top-level one also runs the error dispatcher."""

    command_class = PapkaCommand

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self):
            super().format_help(ctx, formatter)

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self):
            super().format_usage(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with _translated_help(self):
            return super().get_short_help_str(limit)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        arguments = list(sys.argv[1:] if args is None else args)
        # The language must be known before click parses anything, so that even a parsing
        # error or `--help --lang ru` comes out in the chosen language.
        chosen = language_from_arguments(arguments)
        if chosen not in LANGUAGES:
            # An unknown --lang is refused in the language of the locale.
            chosen = None
        if chosen:
            set_language(chosen)
        elif standalone_mode:
            # A line run inside `papka shell` keeps the language the shell started with.
            set_language(language_from_environment())
        route_click_messages()
        if not standalone_mode:
            return super().main(arguments, prog_name, complete_var, False, **extra)
        try:
            result = super().main(arguments, prog_name, complete_var, False, **extra)
        except (Exception, KeyboardInterrupt, click.exceptions.Abort) as error:
            exit_now(report_error(error))
        # With standalone_mode off, click returns the exit code of --help/--version/ctx.exit.
        exit_now(result if isinstance(result, int) else 0)


def exit_now(code: int) -> NoReturn:
    sys.stdout.flush()
    sys.exit(code)


def language_from_arguments(arguments: Sequence[str]) -> str | None:
    """The value of a --lang option among the global options, if there is one."""
    for index, word in enumerate(arguments):
        if word == "--":
            break
        if word.startswith("--lang="):
            return word.split("=", 1)[1] or None
        if word == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
    return None
