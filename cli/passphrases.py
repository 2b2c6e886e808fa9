"""Passphrase input: prompted without echo, or read from a file descriptor given by number.

Passphrases are never taken from argv or the environment (threat model: they would stay in
shell history and in /proc). Scripts and tests pass them on a descriptor, one per line.
"""

from __future__ import annotations

import getpass
import os
import secrets
import warnings
from collections.abc import Callable

import click

from .i18n import _
from .output import note
from .problems import CommandUsageError
from .questions import confirm
from .strength import estimate

MAX_ATTEMPTS = 3
#: A passphrase file is a handful of short lines; refuse to read an endless stream.
MAX_FD_BYTES = 64 * 1024


class PassphraseInputError(CommandUsageError):
    """The passphrases could not be read or were not given twice the same."""


def read_lines_from_fd(fd: int) -> list[str]:
    """Every non-empty line readable from descriptor ``fd`` until end of file."""
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_FD_BYTES:
                raise PassphraseInputError(_("Too much data on the passphrase descriptor."))
            chunks.append(chunk)
    except OSError as error:
        raise PassphraseInputError(
            _("Cannot read passphrases from file descriptor {fd}.").format(fd=fd),
            hint=_("Open the descriptor for reading before starting papka, e.g. 3<file."),
        ) from error
    try:
        text = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as error:
        raise PassphraseInputError(_("The passphrase descriptor does not hold UTF-8 text.")) \
            from error
    return [line.rstrip("\r") for line in text.split("\n") if line.rstrip("\r")]


def prompt_hidden(text: str, *, allow_empty: bool = False) -> str:
    """Ask on the terminal without echo; prompts go to stderr, never to stdout."""
    with warnings.catch_warnings(record=True) as caught:
        # Python's own warning is English and names its source file; papka says it instead.
        warnings.simplefilter("always", getpass.GetPassWarning)
        if allow_empty:
            value: str = click.prompt(text, hide_input=True, err=True, default="",
                                      show_default=False)
        else:
            value = click.prompt(text, hide_input=True, err=True)
    if any(issubclass(w.category, getpass.GetPassWarning) for w in caught):
        note(_("Warning: the passphrase could not be hidden while it was typed."))
    return value


def describe_strength(passphrase: str) -> str:
    strength = estimate(passphrase)
    return _("Passphrase strength: {label} (about {bits} bits).").format(
        label=_(strength.label), bits=int(strength.bits))


def ask_new_passphrase(prompt: str | None = None) -> str:
    """Ask for a new passphrase twice, showing its strength; a weak one needs a yes.

    ``prompt`` says which compartment the passphrase is for.
    """
    for _attempt in range(MAX_ATTEMPTS):
        first = prompt_hidden(prompt or _("New passphrase"))
        note(describe_strength(first))
        if estimate(first).weak:
            note(_("A passphrase of six random words is strong and easy to remember and type; "
                   "--generate makes one for you."))
            if not confirm(_("Use this weak passphrase anyway?")):
                continue
        second = prompt_hidden(_("Type the new passphrase again"))
        if first == second:
            return first
        note(_("The two passphrases differ. Let us try again."))
    raise PassphraseInputError(_("The new passphrase was not typed the same way twice."))


def show_generated_passphrase(passphrase: str, *, choose: Callable[[int], int] | None = None,
                              ) -> None:
    """Show a generated passphrase once, ask that it be written down, and check two words.

    Only on a terminal (the caller makes sure): it must not end up in a log or a pipe.
    """
    from .questions import ask_text

    words = passphrase.split(" ")
    pick = secrets.randbelow if choose is None else choose
    click.echo(_("Your new passphrase (six words; it is shown only this once):"), err=True)
    click.echo("", err=True)
    click.secho("    " + passphrase, bold=True, err=True)
    click.echo("", err=True)
    note(_("Write it down on paper now and keep the paper apart from the stick. Nobody can "
           "recover it if it is lost."))
    for _attempt in range(MAX_ATTEMPTS):
        first = pick(len(words))
        second = (first + 1 + pick(len(words) - 1)) % len(words)
        low, high = sorted((first, second))
        typed_low = ask_text(_("To check, type word number {n}").format(n=low + 1))
        typed_high = ask_text(_("and word number {n}").format(n=high + 1))
        if typed_low.casefold() == words[low] and typed_high.casefold() == words[high]:
            note(_("Correct."))
            return
        note(_("That does not match; look at what you wrote down and try again."))
    raise PassphraseInputError(_("The generated passphrase was not confirmed; nothing was "
                                 "changed."),
                               hint=_("Run the command again with --generate, and write the "
                                      "words down before you answer."))
