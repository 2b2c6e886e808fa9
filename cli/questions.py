"""Questions asked on the terminal: yes/no in either language and keyboard layout, and lines
typed without echo."""

from __future__ import annotations

import sys

import click

from .i18n import _
from .output import note
from .terminal import answer_visible, keystrokes_held

#: Answers accepted whatever the language of the messages: a keeper on a Russian layout types
#: «д» on the key where "y" would be ("l" on the same key is not taken: it is not an answer).
YES = frozenset({"y", "yes", "д", "да"})
NO = frozenset({"n", "no", "н", "нет"})


def read_yes_no(answer: str, default: bool) -> bool | None:
    """The meaning of a typed answer, ``default`` for an empty one, None when it is neither."""
    word = answer.strip().casefold()
    if not word:
        return default
    if word in YES:
        return True
    if word in NO:
        return False
    return None


def confirm(question: str, *, default: bool = False) -> bool:
    """Ask a yes/no question on stderr; д/да/н/нет work as well as y/yes/n/no."""
    choices = _("[y/N]") if not default else _("[Y/n]")
    while True:
        with answer_visible():
            answer: str = click.prompt(f"{question} {choices}", err=True, default="",
                                       show_default=False, prompt_suffix=" ")
        meaning = read_yes_no(answer, default)
        if meaning is not None:
            return meaning
        note(_("Please answer y (yes) or n (no)."))


def ask_text(question: str, *, default: str = "") -> str:
    """Ask for a line of text that the keeper sees while typing it."""
    with answer_visible():
        answer: str = click.prompt(question, err=True, default=default,
                                   show_default=bool(default))
    return answer.strip()


def read_hidden_lines(intro: str) -> str:
    """Lines typed on the terminal without echo, until an empty line or Ctrl-D."""
    note(intro)
    lines: list[str] = []
    with keystrokes_held():
        while True:
            line = sys.stdin.readline()
            if not line or not line.strip():
                break
            lines.append(line.rstrip("\n"))
            note(_("Lines typed: {count}.").format(count=len(lines)))
    return "\n".join(lines)
