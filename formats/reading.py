"""How well papka read each page of a document: a page papka cannot read is reported, never
passed as "nothing found".

Kept apart from :mod:`.views` (which reads pages) so that a plan and its readings can be held
and shown without loading Pillow.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Status = Literal["read", "text-layer", "blank", "unreadable", "not-read"]

#: views.MIN_LETTER_WIDTH (pixels), here so that a plan can say why without loading Pillow.
SMALLEST_LETTERS = 7.0
#: views.MAX_BLUR (the blur's spread per letter size, papka.formats.blur), for the same reason.
MOST_BLUR = 0.04


@dataclass(frozen=True)
class PageReading:
    """How well papka could read one page, in numbers (never the text read)."""

    page: int
    status: Status
    #: Words read on the best view, and how many of them with confidence.
    words: int = 0
    confident_words: int = 0
    #: The views that were read, in order ("plain", "contrast", "inverted", "turned-90",
    #: "deskewed").
    views: tuple[str, ...] = ()
    #: Degrees the page had to be turned clockwise to stand upright.
    turned: int = 0
    #: The median width of a letter in the words read with confidence, in the picture's own
    #: pixels (0 when none was): a page whose letters are narrower than views.MIN_LETTER_WIDTH
    #: is unreadable however much was read.
    letter_width: float = 0.0
    #: Lines of print no reading holds a word of (views.unread_lines): a page with any is
    #: unreadable however well the rest read.
    unread_lines: int = 0
    #: Lines a reading ran from one line of print into another along (views.crossed_lines: a
    #: page bent into waves): a page with any is unreadable.
    crossed_lines: int = 0
    #: Lines the best reading read as garbage (views.garbled_lines: a fold or a shadow across
    #: them): a page with any is unreadable.
    garbled_lines: int = 0
    #: How blurred the print is for the size of its letters (papka.formats.blur: the spread of
    #: its letters' edges per em, on the words read with confidence; 0 when not measured): a
    #: page above views.MAX_BLUR is unreadable however confidently it was read.
    blur: float = 0.0
    #: Where the words read with confidence lie on the page (the best view's, in the plan's
    #: units; never their text): the redacted copy's check must read about as much of what
    #: the boxes leave (papka.formats.redaction, "pages the check could not read").
    confident_places: tuple[tuple[float, float, float, float], ...] = field(
        default=(), repr=False, compare=False)

    @property
    def unreadable(self) -> bool:
        return self.status == "unreadable"

    @property
    def too_small(self) -> bool:
        """Unreadable because its words are too small to read reliably (views.read_page)."""
        return self.status == "unreadable" and 0 < self.letter_width < SMALLEST_LETTERS

    @property
    def too_blurred(self) -> bool:
        """Unreadable because its print is too blurred to read reliably (views.read_page)."""
        return self.status == "unreadable" and self.blur > MOST_BLUR and not self.too_small

    @property
    def lines_unread(self) -> bool:
        """Unreadable because lines of it were left out of every reading (views.read_page)."""
        return (self.status == "unreadable" and self.unread_lines > 0 and not self.too_small
                and not self.too_blurred)

    @property
    def lines_crossed(self) -> bool:
        """Unreadable because its lines were read into one another (views.read_page)."""
        return (self.status == "unreadable" and self.crossed_lines > 0 and not self.too_small
                and not self.too_blurred and not self.lines_unread)

    @property
    def lines_garbled(self) -> bool:
        """Unreadable because lines of it were read as garbage (views.read_page)."""
        return (self.status == "unreadable" and self.garbled_lines > 0 and not self.too_small
                and not self.too_blurred and not self.lines_unread and not self.lines_crossed)


def not_read(page: int) -> PageReading:
    return PageReading(page, "not-read")


def merge_text_layer(reading: PageReading, letters: int) -> PageReading:
    """A page whose text layer holds real text is readable whatever OCR made of it."""
    if letters >= 20 and reading.status != "read":
        return replace(reading, status="text-layer")
    return reading
