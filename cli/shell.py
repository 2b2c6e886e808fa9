"""`papka shell`: unlock once, then run papka's commands until `exit`.

The history of typed lines lives in memory only (readline without a history file) and is
cleared when the shell ends, because a line can hold a title or a search for a name.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Sequence

import click

from .command import PapkaCommand
from .context import Config, pass_config
from .dispatch import report_error
from .i18n import N_, _
from .output import note
from .problems import CommandUsageError
from .terminal import busy_notice, keystrokes_held

#: Commands that make no sense with a container already open.
NOT_IN_SHELL = frozenset({"shell", "demo", "init", "panic"})
EXIT_WORDS = frozenset({"exit", "quit", "выход"})


def split_line(line: str) -> list[str]:
    """Split a typed line like a POSIX shell would (quotes group words)."""
    try:
        return shlex.split(line)
    except ValueError as error:
        raise CommandUsageError(_("A quotation mark is not closed."),
                         hint=_("Close the quote, or put a backslash before it.")) from error


def run_words(session: Config, words: Sequence[str]) -> int:
    """Run one command line with the session's open container; return its exit code."""
    from .main import cli

    try:
        result = cli.main(args=list(words), prog_name="papka", standalone_mode=False,
                          obj=session)
    except (Exception, KeyboardInterrupt, click.exceptions.Abort) as error:
        # Ctrl-C stops the command, not the shell: the container stays open for the next line.
        return report_error(error)
    return result if isinstance(result, int) and not isinstance(result, bool) else 0


def _enable_line_editing() -> Callable[[], None]:
    """Arrow keys and in-memory history when readline is there; returns the clean-up."""
    try:
        import readline
    except ImportError:  # pragma: no cover - readline is part of CPython on Linux
        return lambda: None
    readline.set_history_length(500)
    return readline.clear_history


def repl(session: Config, read_line: Callable[[str], str] = input) -> None:
    """Read commands until `exit` or end of input, running each with the open container."""
    forget_history = _enable_line_editing()
    note(_("The container is open. Type a command such as `list` or `add FILE`, `help` for "
           "the list of commands, `exit` (or Ctrl-D) to lock it and leave."))
    try:
        while True:
            try:
                line = read_line("papka> ")
            except EOFError:
                note("")
                break
            except KeyboardInterrupt:
                note("")
                continue
            try:
                words = split_line(line)
            except CommandUsageError as error:
                report_error(error)
                continue
            if not words:
                continue
            if words[0] in EXIT_WORDS:
                break
            if words[0] in ("help", "?", "помощь"):
                words = ["--help", *words[1:]] if len(words) == 1 else [*words[1:], "--help"]
            if words[0] in NOT_IN_SHELL:
                report_error(CommandUsageError(_("This command does not run inside the shell."),
                                        hint=_("Leave the shell with `exit` first.")))
                continue
            run_words(session, words)
    finally:
        forget_history()


@click.command(
    "shell", cls=PapkaCommand,
    help=N_("Open the container once and type papka commands without giving the passphrase "
            "again. You are asked for every passphrase you want open; the typed lines are kept "
            "in memory only. `exit` or Ctrl-D locks the container."),
    epilog=N_("Examples:\n\n\b\n"
              "  papka shell\n"
              "  papka> list povestka\n"
              "  papka> get 3f2a -o summons.pdf\n"
              "  papka> exit"),
)
@pass_config
def shell(config: Config) -> None:
    if config.open_container_ is not None:
        raise CommandUsageError(_("The shell is already running."))
    path = config.existing_container_path()
    from papka.vault import Container
    from papka.vault.errors import ReadOnlyMedium

    with keystrokes_held():
        passphrases = config.read_passphrases(several=True)
        try:
            with busy_notice(_("Opening the container…")):
                container = Container.open(path, passphrases, work_factor=config.work_factor,
                                           repair=False)
        except ReadOnlyMedium:
            container = Container.open(path, passphrases, work_factor=config.work_factor,
                                       writable=False)
            note(_("The container is read-only here: you can read and get documents, but not "
                   "change anything."))
    session = dataclasses.replace(config, open_container_=container, json=False,
                                  passphrase_fd=None)
    try:
        session.notes_after_open(container)
        levels = ", ".join(str(c.level) for c in container.compartments)
        note(_("Open compartment levels: {levels}.").format(levels=levels))
        repl(session)
    finally:
        # Closing a format 3 container that was written ends its session (docs/FORMAT.md
        # §10): it writes the plan and rebuilds pieces, so "locked" is said only afterwards.
        with busy_notice(_("Locking the container…")):
            container.close()
    session.notes_after_session(container)
    note(_("The container is locked."))


COMMANDS: tuple[click.Command, ...] = (shell,)
