"""How the ``papka`` command shows things: tables that fit the terminal, JSON, sizes, progress.

Results go to stdout; notes, warnings, prompts and progress go to stderr, so that
``papka --json list | jq`` and ``papka get ID -o - > file`` see only what they asked for.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import textwrap
import time
import unicodedata
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import click

from .i18n import _


def print_json(document: Any) -> None:
    """Write one JSON document on stdout (UTF-8, not ASCII-escaped, so Cyrillic stays legible)."""
    click.echo(json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def note(message: str) -> None:
    """A remark for the person (stderr), never mixed into results."""
    click.echo(message, err=True)


def human_size(size: int) -> str:
    """Bytes in the units people read: 1.5 MiB rather than 1572864."""
    value = float(size)
    units = (_("B"), _("KiB"), _("MiB"), _("GiB"), _("TiB"))
    for unit in units:
        if value < 1024 or unit == units[-1]:
            return f"{value:.0f} {unit}" if unit == units[0] else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable: the last unit always returns")


#: Characters none of which is wide: Latin, Greek, Cyrillic, dashes and quotes, the numero
#: sign. Text made only of them (nearly every title) is measured by its length, which keeps a
#: list of 50,000 documents from spending its time here (tests/cli check the class).
NARROW_ONLY = re.compile("[\u0000-\u0377\u0400-\u052f\u2010-\u2027\u2116]*")


def display_width(text: str) -> int:
    """Columns a string takes on a terminal (wide East Asian characters take two)."""
    if NARROW_ONLY.fullmatch(text):
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` columns, marking the cut with an ellipsis."""
    if display_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    used = 0
    for end, char in enumerate(text):
        used += display_width(char)
        if used > width - 1:
            return text[:end] + "…"
    return text + "…"


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *,
                 flexible: int, width: int | None = None) -> str:
    """Lay out rows in columns that fit ``width``; the ``flexible`` column gives way first."""
    width = terminal_width() if width is None else width
    cells = [list(headers), *([" ".join(str(c).split()) for c in row] for row in rows)]
    # Each cell is measured once: a list of 50,000 documents spends its time here.
    measured = [[display_width(c) for c in row] for row in cells]
    widths = [max(column) for column in zip(*measured, strict=True)]
    gap = 2
    total = sum(widths) + gap * (len(widths) - 1)
    if total > width:
        others = total - widths[flexible]
        widths[flexible] = max(8, width - others)
    lines = []
    for row, sizes in zip(cells, measured, strict=True):
        parts = []
        for i, (cell, size) in enumerate(zip(row, sizes, strict=True)):
            if size > widths[i]:
                cell = shorten(cell, widths[i])
                size = display_width(cell)
            last = i == len(row) - 1
            parts.append(cell if last else cell + " " * (widths[i] - size))
        lines.append((" " * gap).join(parts).rstrip())
    return "\n".join(lines)


def render_fields(pairs: Sequence[tuple[str, str]], *, width: int | None = None) -> str:
    """A two-column "label: value" block, values wrapped to the terminal width."""
    width = terminal_width() if width is None else width
    label_width = max((display_width(label) for label, _v in pairs), default=0) + 2
    value_width = max(20, width - label_width)
    lines = []
    for label, value in pairs:
        # Words are never cut: a path, a key or a hash split over two lines cannot be copied.
        chunks = [line for part in value.splitlines() or [""] for line in textwrap.wrap(
            part, value_width, break_long_words=False, break_on_hyphens=False) or [""]]
        lines.append(label + ":" + " " * (label_width - display_width(label) - 1) + chunks[0])
        lines.extend(" " * label_width + chunk for chunk in chunks[1:])
    return "\n".join(lines)


class Progress:
    """A progress bar on stderr for work that takes more than a second.

    It appears only when stderr is a terminal, and only once the work has run for a second, so
    quick operations and scripts see nothing. Use it as the ``progress(done, total)`` callback
    the library takes.
    """

    DELAY = 1.0

    def __init__(self, label: str, *, clock: Callable[[], float] = time.monotonic,
                 enabled: bool | None = None) -> None:
        self._label = label
        self._clock = clock
        self._started = clock()
        self._enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar: Any = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled or total <= 0:
            return
        if self._bar is None:
            if self._clock() - self._started < self.DELAY:
                return
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
            self._bar.__enter__()
        step = max(0, min(done, total) - self._shown)
        if step:
            self._bar.update(step)
            self._shown += step

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, value, traceback)
            self._bar = None


def shown(text: str) -> str:
    """Text from a bundle made safe for a terminal: control and format characters (which a
    hostile manifest could use to rewrite the screen) become '?'."""
    return "".join("?" if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
