"""What verification found: failing channels by name, and where on a page OCR read a secret.

Never the string itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from papka.formats.verify.needles import Needles

if TYPE_CHECKING:
    from papka.formats.verify.pages import PageRead


#: The channel of a page the check read far less of than planning did (Report.pages).
UNREAD = "ocr-page-unread"


@dataclass(frozen=True)
class Leak:
    """Where a hidden string was found by reading a page (never the string itself).

    secret: its index in the list given to verify(); page: from 0; box: where on the page,
    in points for a PDF and pixels for a picture.
    """

    channel: str
    secret: int
    page: int | None = None
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Verification:
    ok: bool
    #: Names of the channels where a hidden string was found (never the string itself).
    failures: list[str] = field(default_factory=list)
    #: Pages and places found by reading the pages (OCR channels).
    leaks: list[Leak] = field(default_factory=list)
    #: What the OCR channel read on each page, in order (empty without OCR). The words of a
    #: verified copy's pages, which its searchable text layer may carry: they are the words
    #: this check found free of every secret (docs/redaction.md, "One reading per page").
    readings: list[PageRead] = field(default_factory=list, repr=False)


class Report:
    def __init__(self, needles: Needles) -> None:
        self.needles = needles
        self.failures: list[str] = []
        self.leaks: list[Leak] = []
        self.readings: list[PageRead] = []

    def text(self, channel: str, pieces: Iterable[str]) -> None:
        if channel not in self.failures and self.needles.in_text(pieces):
            self.failures.append(channel)

    def bytes(self, channel: str, blobs: Iterable[bytes], *, escapes: bool = True) -> None:
        if channel not in self.failures and self.needles.in_bytes(blobs, escapes=escapes):
            self.failures.append(channel)

    def fail(self, channel: str) -> None:
        if channel not in self.failures:
            self.failures.append(channel)

    def pages(self, channel: str, readings: Sequence[PageRead], expect: Sequence[int] = ()
              ) -> None:
        """OCR of pages: fail the channel, and note each page and place found.

        expect: per page, how many words a reading must hold with confidence; a page read
        with fewer fails UNREAD (a page the check cannot read is no proof it is clean).
        """
        self.readings.extend(readings)
        for page, reading in enumerate(readings):
            if page < len(expect) and reading.confident_words < expect[page]:
                self.fail(UNREAD)
                self.leaks.append(Leak(UNREAD, -1, page, None))
            for words, boxes in reading.views:
                for secret, first, last in self.needles.locate(words):
                    self.fail(channel)
                    chosen = boxes[first : last + 1]
                    box = (min(b[0] for b in chosen), min(b[1] for b in chosen),
                           max(b[2] for b in chosen), max(b[3] for b in chosen))
                    self.leaks.append(Leak(channel, secret, page, box))
            # The words' text joined per view is also searched as a whole (as before).
            if channel not in self.failures and self.needles.in_text(
                    [" ".join(words) for words, _ in reading.views]):
                self.fail(channel)
                self.leaks.append(Leak(channel, -1, page, None))

    def result(self) -> Verification:
        return Verification(not self.failures, list(self.failures), list(self.leaks),
                            list(self.readings))
