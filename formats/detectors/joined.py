"""Text as forms and line breaks scatter it, joined back so the other detectors can read it.

Printed forms give one cell per letter or digit ("К У З Н Е Ц О В", "|6|9|0|4|1|2|"), and
typesetting and OCR break a number or a word at the end of a line with a hyphen ("543-" / "21").
:func:`joined_view` builds a second text in which those runs are closed up, with a map from each
of its characters back to the original, so any detector can run on it and its spans be mapped
back with :meth:`JoinedText.original_span` (a span may then cover several cells or two lines).

For a caller that joins OCR lines itself (the redaction plan), :func:`joined_hits` runs a
detector over the joined view and returns spans in the original text's offsets.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from papka.formats.detectors import Hit

# One letter or digit standing alone in its cell: between single spaces, tabs or cell walls.
_CELL_GAP = r"(?:[ \t]?[|¦][ \t]?|[ \t])"
_CELL = r"[^\W_]"
# At least four cells in a row, so two or three one-letter words of ordinary text ("и в")
# are never closed up.
_CELL_RUN = re.compile(rf"(?<![^\W_]){_CELL}(?:{_CELL_GAP}{_CELL}){{3,}}(?![^\W_])")
# Between two runs of one row: an empty cell or a wider space, read as the gap between words.
_ROW_GAP = re.compile(r"[ \t|¦]+")
# A hyphen at the end of a line inside a number or a word: "543-\n21", "Ради-\nщева".
_LINE_BREAK_HYPHEN = re.compile(
    r"(?<=\d)[-‐‑­][ \t]*\r?\n[ \t]*(?=\d)"
    r"|(?<=[^\W\d_])[-‐‑­][ \t]*\r?\n[ \t]*(?=[a-zа-яё])"
)

# A field in cells holds a name or a number; a longer run is not one (and closing it up would
# hand the other detectors one endless word to scan).
MAX_CELLS = 48

#: Detector names of spans found only in the joined view.
LETTER_CELLS = "letter-cells"
LINE_BREAK = "line-break-hyphen"


@dataclass(frozen=True)
class JoinedText:
    """The joined text and, for each of its characters, its offset in the original."""

    text: str
    origin: tuple[int, ...]
    #: Original offsets where cells were closed up, and where lines were joined.
    cell_runs: tuple[tuple[int, int], ...]
    line_joins: tuple[tuple[int, int], ...]

    @property
    def changed(self) -> bool:
        return bool(self.cell_runs or self.line_joins)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets covering joined characters start..end (end exclusive)."""
        return self.origin[start], self.origin[end - 1] + 1

    def how_joined(self, start: int, end: int) -> str | None:
        """Which joining a span of the original relies on, or None if it needs none."""
        # Both lists are sorted and their ranges do not overlap: bisection keeps this fast
        # however many joinings a page has.
        index = bisect.bisect_left(self.cell_runs, (end, -1)) - 1
        if index >= 0 and self.cell_runs[index][1] > start:
            return LETTER_CELLS
        index = bisect.bisect_right(self.line_joins, (start, len(self.origin) + 1))
        if index < len(self.line_joins) and self.line_joins[index][1] < end:
            return LINE_BREAK
        return None


def joined_view(text: str) -> JoinedText:
    """``text`` with letter-per-cell runs closed up and line-break hyphens removed."""
    cuts: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original
    runs: list[tuple[int, int]] = []
    previous_run_end = -1
    for match in _CELL_RUN.finditer(text):
        if (match.end() - match.start() + 1) // 2 > MAX_CELLS and sum(
                ch.isalnum() for ch in match.group()) > MAX_CELLS:
            previous_run_end = -1
            continue
        if previous_run_end >= 0 and _ROW_GAP.fullmatch(text, previous_run_end, match.start()):
            # Two runs of one row: the gap between them is the gap between two words.
            cuts.append((previous_run_end, match.start(), " "))
        for gap in re.finditer(_CELL_GAP, text[match.start() : match.end()]):
            cuts.append((match.start() + gap.start(), match.start() + gap.end(), ""))
        runs.append((match.start(), match.end()))
        previous_run_end = match.end()
    joins: list[tuple[int, int]] = []
    for match in _LINE_BREAK_HYPHEN.finditer(text):
        inside_run = runs and bisect.bisect_right(runs, (match.start(), len(text))) > 0 and \
            runs[bisect.bisect_right(runs, (match.start(), len(text))) - 1][1] > match.start()
        # One join per word: a word broken over three lines ("1-\n1-\n1") is not a number or
        # a name, and chains of joins would hand the detectors one endless word.
        chained = bool(joins) and not any(
            ch.isspace() for ch in text[joins[-1][1] : match.start()])
        if inside_run or chained:
            continue
        cuts.append((match.start(), match.end(), ""))
        joins.append((match.start(), match.end()))
    cuts.sort()
    out: list[str] = []
    origin: list[int] = []
    position = 0
    for start, end, replacement in cuts:
        if start < position:
            continue
        out.append(text[position:start])
        origin.extend(range(position, start))
        out.append(replacement)
        origin.extend([start] * len(replacement))
        position = end
    out.append(text[position:])
    origin.extend(range(position, len(text)))
    return JoinedText("".join(out), tuple(origin), tuple(runs), tuple(joins))


def joined_hits(text: str, *detectors: Callable[[str], Iterable[Hit]]) -> Iterator[Hit]:
    """Hits that the detectors find only once cells are closed up and broken lines joined,
    in ``text``'s offsets, each named after the joining it needed (``letter-cells`` or
    ``line-break-hyphen``); a hit that needed no joining is left to the plain run."""
    view = joined_view(text)
    if not view.changed:
        return
    # Only the lines around each joining are read again (with a line either side for the
    # words that give context, such as "ИНН" or "Адрес:"): the rest was read as it is.
    for low, high in _windows(view):
        part = view.text[low:high]
        for detector in detectors:
            for hit in detector(part):
                if not 0 <= hit.start < hit.end <= len(part):
                    continue
                start, end = view.original_span(low + hit.start, low + hit.end)
                how = view.how_joined(start, end)
                if how is not None:
                    yield Hit(start, end, hit.category, how)


def _windows(view: JoinedText) -> list[tuple[int, int]]:
    """Ranges of the joined text around each joining: its line and one line either side."""
    text = view.text
    # The joined text's offsets never decrease along the original, so a bisection finds where
    # each joining landed.
    places = sorted(bisect.bisect_left(view.origin, start)
                    for start, _ in (*view.cell_runs, *view.line_joins))
    windows: list[tuple[int, int]] = []
    for place in places:
        low = text.rfind("\n", 0, place)
        low = text.rfind("\n", 0, max(low, 0)) + 1 if low > 0 else 0
        high = text.find("\n", place)
        high = len(text) if high < 0 else text.find("\n", high + 1)
        high = len(text) if high < 0 else high
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], high))
        else:
            windows.append((low, high))
    return windows
