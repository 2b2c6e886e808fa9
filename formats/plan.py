"""What to paint over, and why: the reviewable redaction plan.

A plan lists, per page (or per image), opaque boxes with the reason each one is there. The
keeper reviews it (see :func:`papka.formats.render_preview`), drops false positives and adds
boxes by hand before anything is burned. The matched strings stay in memory only: they are what
verification looks for, and they never enter a :class:`RedactionLog`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from papka.errors import UsageError
from papka.formats.reading import PageReading

Source = Literal["detected", "manual"]
#: What to do with a page papka could not read: paint it all black, leave it out of the
#: copy, or keep it as it is because the keeper has looked at it himself.
UnreadableChoice = Literal["box", "drop", "accept"]
UNREADABLE_CHOICES: tuple[UnreadableChoice, ...] = ("box", "drop", "accept")
#: Categories of the keeper's own strings ("custom": as given; "keeper-name": a form of one
#: found in the text): they stay secrets even when the keeper drops a box over one.
KEEPER_CATEGORIES = frozenset({"custom", "keeper-name"})
#: The category of a box that covers a whole page papka could not read.
UNREADABLE_CATEGORY = "unreadable-page"

#: Extra room around detected text, as a fraction of the line height, on every side.
PADDING_FRACTION = 0.18
#: Box widths are rounded UP to a multiple of this many line heights, so the width of a box
#: tells only how many steps of two line heights (about four letters each) the hidden text spans.
WIDTH_GRID_LINES = 2.0


class BoxError(UsageError):
    default_message = "That box is not on the document."


@dataclass
class Box:
    """An opaque box to paint.

    Coordinates: for PDFs, points with the origin at the top-left of the page as displayed; for
    images, pixels of the image as displayed (orientation applied), origin top-left. ``page``
    counts from 0.
    """

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    category: str = "manual"
    detector: str = "manual"
    source: Source = "manual"
    number: int = 0
    #: The text the box covers, for the keeper's review only; never logged or exported.
    text: str = field(default="", repr=False, compare=False)
    #: For text found tilted: the four corners of the turned box (same units), which lies
    #: inside x0..y1. Burning paints this shape; without it, the rectangle.
    corners: tuple[tuple[float, float], ...] | None = None

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class PagePlan:
    """One page of a PDF (or the one image) and the boxes to paint on it."""

    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)


@dataclass(frozen=True)
class PageLog:
    page: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class RedactionLog:
    """What was withheld: categories and counts per page, never the values.

    unreadable: pages (from 0) papka could not read, with what the keeper chose for each.
    """

    pages: tuple[PageLog, ...]
    unreadable: dict[int, UnreadableChoice] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(page.total for page in self.pages)

    def by_category(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for page in self.pages:
            totals.update(page.counts)
        return dict(sorted(totals.items()))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (pages count from 1, as people count them)."""
        return {
            "total": self.total,
            "categories": self.by_category(),
            "pages": [
                {"page": page.page + 1, "counts": dict(sorted(page.counts.items()))}
                for page in self.pages
                if page.counts
            ],
            "unreadable_pages": [
                {"page": page + 1, "choice": choice}
                for page, choice in sorted(self.unreadable.items())
            ],
        }


class RedactionPlan:
    """The boxes to paint on each page, and the strings that must not survive."""

    def __init__(self, media_type: str, pages: Iterable[PagePlan]) -> None:
        self.media_type = media_type
        self.pages: list[PagePlan] = list(pages)
        #: Every string that must be gone afterwards (the keeper's list and what detectors
        #: matched). Memory only: verification searches for these.
        self.secrets: list[str] = []
        #: The category each secret was found as (the keeper's own strings: "custom").
        self.secret_categories: dict[str, str] = {}
        #: How well each page was read (one per page when text was read; see
        #: papka.formats.reading.PageReading).
        self.readings: list[PageReading] = []
        #: The keeper's choice for each page papka could not read.
        self.unreadable_choices: dict[int, UnreadableChoice] = {}
        self._next_number = 1
        for page in self.pages:
            for box in page.boxes:
                self._number(box)

    def __repr__(self) -> str:
        # Never show the secrets, not even in a traceback.
        return (
            f"RedactionPlan(media_type={self.media_type!r}, pages={len(self.pages)}, "
            f"boxes={len(self.boxes())})"
        )

    def _number(self, box: Box) -> Box:
        box.number = self._next_number
        self._next_number += 1
        return box

    def add_secret(self, text: str, category: str = "custom") -> None:
        text = text.strip()
        if text and text not in self.secrets:
            self.secrets.append(text)
            self.secret_categories[text] = category

    def unreadable_pages(self) -> list[int]:
        """Pages (from 0) papka could not read with confidence."""
        return [reading.page for reading in self.readings if reading.unreadable]

    def unsettled_pages(self) -> list[int]:
        """Unreadable pages the keeper has not yet decided about: nothing may be stored."""
        return [page for page in self.unreadable_pages()
                if page not in self.unreadable_choices]

    def settle_unreadable(self, choice: UnreadableChoice, pages: Iterable[int] | None = None
                          ) -> None:
        """Decide about unreadable pages (all of them, or those given, from 0).

        box: the whole page is painted black; drop: the page is left out of the copy;
        accept: the keeper looked at the page and it stays as it is.
        """
        if choice not in UNREADABLE_CHOICES:
            raise UsageError("Choose box, drop or accept for a page papka could not read.")
        chosen = self.unreadable_pages() if pages is None else list(pages)
        for page in chosen:
            if not 0 <= page < len(self.pages):
                raise BoxError("That page is not in the document.")
            previous = self.unreadable_choices.get(page)
            if previous == choice:
                continue
            if previous == "box":
                self.pages[page].boxes = [b for b in self.pages[page].boxes
                                          if b.category != UNREADABLE_CATEGORY]
            self.unreadable_choices[page] = choice
            if choice == "box":
                sheet = self.pages[page]
                self.add_box(page, 0.0, 0.0, sheet.width, sheet.height,
                             category=UNREADABLE_CATEGORY, detector="reading")
        if self.pages and all(self.unreadable_choices.get(i) == "drop"
                              for i in range(len(self.pages))):
            raise UsageError("Every page would be left out; nothing would remain to store.")

    def dropped_pages(self) -> set[int]:
        return {page for page, choice in self.unreadable_choices.items() if choice == "drop"}

    def add_box(
        self,
        page: int,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        *,
        category: str = "manual",
        detector: str = "manual",
        source: Source = "manual",
        text: str = "",
        corners: Sequence[tuple[float, float]] | None = None,
    ) -> Box:
        """Add a box (page counts from 0; coordinates as described on :class:`Box`).

        corners: a turned box's four corners; x0..y1 is then the rectangle around them."""
        if not 0 <= page < len(self.pages):
            raise BoxError("That page is not in the document.")
        values = (x0, y0, x1, y1)
        if not all(math.isfinite(v) for v in values):
            raise BoxError("Box coordinates must be numbers.")
        sheet = self.pages[page]
        left, right = sorted((x0, x1))
        top, bottom = sorted((y0, y1))
        left, right = max(0.0, left), min(sheet.width, right)
        top, bottom = max(0.0, top), min(sheet.height, bottom)
        if right <= left or bottom <= top:
            raise BoxError()
        shape = None
        if corners is not None:
            shape = tuple((float(x), float(y)) for x, y in corners)
            if len(shape) < 3 or not all(math.isfinite(v) for p in shape for v in p):
                raise BoxError("Box coordinates must be numbers.")
        box = Box(page, left, top, right, bottom, category, detector, source, 0, text, shape)
        sheet.boxes.append(self._number(box))
        return box

    def drop(self, number: int) -> Box:
        """Remove the box with this number (a false positive) and return it.

        What detection guessed and the keeper dropped is no longer looked for by verification
        once no other box covers the same text: otherwise the copy of a certificate whose
        "Дана в том, что" was taken for a name could never pass. The keeper's own strings
        (and their forms found in the text) stay secrets whatever is dropped.
        """
        for sheet in self.pages:
            for index, box in enumerate(sheet.boxes):
                if box.number == number:
                    del sheet.boxes[index]
                    self._forget_guess(box)
                    return box
        raise UsageError(f"There is no box number {number}.")

    def _forget_guess(self, dropped: Box) -> None:
        text = dropped.text.strip()
        category = self.secret_categories.get(text)
        if (dropped.source != "detected" or category is None
                or category in KEEPER_CATEGORIES
                or any(box.text.strip() == text for box in self.boxes())):
            return
        self.secrets.remove(text)
        del self.secret_categories[text]

    def boxes(self) -> list[Box]:
        return [box for sheet in self.pages for box in sheet.boxes]

    def __iter__(self) -> Iterator[Box]:
        return iter(self.boxes())

    def summary(self) -> RedactionLog:
        pages = []
        dropped = self.dropped_pages()
        for index, sheet in enumerate(self.pages):
            counts = Counter(box.category for box in sheet.boxes) if index not in dropped else {}
            pages.append(PageLog(index, dict(counts)))
        return RedactionLog(tuple(pages), dict(self.unreadable_choices))


def cover_text(
    x0: float,
    top: float,
    x1: float,
    bottom: float,
    *,
    line_height: float,
    page_width: float,
    page_height: float,
) -> tuple[float, float, float, float]:
    """The box that hides text spanning x0..x1 on a line from top to bottom.

    Pads every side, covers at least the full line height (so no letter tops or descenders stay
    visible) and rounds the width up to the grid of WIDTH_GRID_LINES line heights. If the grid
    would run off the page, the box grows to the left instead so its width stays on the grid.
    """
    line_height = max(line_height, bottom - top, 1e-3)
    pad = PADDING_FRACTION * line_height
    middle = (top + bottom) / 2
    top = min(top, middle - line_height / 2) - pad
    bottom = max(bottom, middle + line_height / 2) + pad
    left = x0 - pad
    grid = WIDTH_GRID_LINES * line_height
    width = math.ceil(((x1 + pad) - left) / grid - 1e-9) * grid
    right = left + width
    if right > page_width:
        right = page_width
        left = max(0.0, right - width)
    left = max(0.0, left)
    return left, max(0.0, top), right, min(page_height, bottom)


def parse_box(spec: str) -> tuple[int, float, float, float, float]:
    """Read "PAGE:X0,Y0,X1,Y1" (PAGE counting from 1) into (page from 0, x0, y0, x1, y1)."""
    try:
        page_part, coordinates = spec.split(":", 1)
        page = int(page_part)
        x0, y0, x1, y1 = (float(value) for value in coordinates.split(","))
    except ValueError as error:
        raise BoxError(
            "A box is written PAGE:X0,Y0,X1,Y1, for example 1:40,100,300,130."
        ) from error
    if page < 1:
        raise BoxError("Pages are counted from 1.")
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise BoxError("Box coordinates must be numbers.")
    return page - 1, x0, y0, x1, y1
