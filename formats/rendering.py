"""A document's pages as pixels, the common ground of planning, previews and burning.

DOCX, e-mail and plain text are typeset into a PDF first (what papka shows, reads and burns
is that PDF); PDF pages are rendered with pypdfium2 with annotations and form fields drawn;
pictures are decoded with their orientation applied.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from PIL import Image

from papka import media
from papka.formats import docx, email, image, limits, pdf, typeset
from papka.formats.plan import Box


def as_pdf(data: bytes, media_type: str) -> bytes:
    """The PDF that stands for the document's pages (DOCX and e-mail are typeset first)."""
    if media_type == media.PDF:
        return data
    if media_type == media.DOCX:
        return typeset.typeset(docx.visible_blocks(data))
    if media_type == media.EML:
        return typeset.typeset(email.visible_blocks(data))
    if media_type == media.TEXT:
        limits.check_input_size(data)
        text = data.decode("utf-8", errors="replace")
        return typeset.typeset([typeset.Block(p) for p in text.split("\n\n")])
    raise limits.UnsupportedFormatError()


def pages(data: bytes, media_type: str, dpi: float) -> Iterable[tuple[Image.Image, float]]:
    """Each page as pixels, with the factor from plan units to pixels."""
    if image.is_supported(media_type):
        for picture in image.pages(data):
            yield picture, 1.0
        return
    for page in pdf.each_page(as_pdf(data, media_type)):
        yield pdf.render_page(page, dpi), dpi / 72.0


def pixel_box(box: Box, scale: float, size: tuple[int, int]) -> tuple[int, int, int, int]:
    # Round outwards: a box never shrinks by a pixel.
    return (
        max(0, math.floor(box.x0 * scale)),
        max(0, math.floor(box.y0 * scale)),
        min(size[0], math.ceil(box.x1 * scale)),
        min(size[1], math.ceil(box.y1 * scale)),
    )
