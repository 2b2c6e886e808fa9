"""The keeper's review: each page with every planned box outlined and numbered."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import ImageDraw, ImageFont

from papka.formats import fonts, image
from papka.formats.plan import Box, RedactionPlan
from papka.formats.redaction import Leftover
from papka.formats.rendering import pages, pixel_box


def outlined_pages(data: bytes, media_type: str, plan: RedactionPlan, *, dpi: int,
                   leftovers: Sequence[Leftover]) -> list[bytes]:
    """PNG pages for :func:`papka.formats.render_preview` (which checks its arguments)."""
    output: list[bytes] = []
    for index, (picture, scale) in enumerate(pages(data, media_type, dpi)):
        if image.is_supported(media_type):
            # Images have no dpi: show them at most 1600 pixels wide or tall.
            shrink = min(1.0, 1600 / max(picture.size))
            if shrink < 1.0:
                picture = picture.resize((round(picture.width * shrink),
                                          round(picture.height * shrink)))
                scale *= shrink
        canvas = image.fresh_copy(picture).convert("RGB")
        draw = ImageDraw.Draw(canvas)
        size = max(12, round(canvas.height / 70))
        font = ImageFont.truetype(str(fonts.REGULAR), size)
        width = max(2, round(size / 6))
        for box in plan.pages[index].boxes if index < len(plan.pages) else []:
            left, top, right, bottom = pixel_box(box, scale, canvas.size)
            colour = (220, 0, 0) if box.source == "detected" else (0, 90, 220)
            if box.corners is not None:
                draw.polygon([(x * scale, y * scale) for x, y in box.corners],
                             outline=colour, width=width)
            else:
                draw.rectangle((left, top, max(left, right - 1), max(top, bottom - 1)),
                               outline=colour, width=width)
            label = str(box.number)
            lx0, ly0, lx1, ly1 = draw.textbbox((0, 0), label, font=font)
            label_top = max(0, top - (ly1 - ly0) - 2 * width)
            draw.rectangle((left, label_top, left + (lx1 - lx0) + 2 * width,
                            label_top + (ly1 - ly0) + 2 * width), fill=colour)
            draw.text((left + width - lx0, label_top + width - ly0), label, font=font,
                      fill=(255, 255, 255))
        for leftover in leftovers:
            if leftover.page != index or leftover.box is None:
                continue
            x0, y0, x1, y1 = leftover.box
            marked = Box(index, x0, y0, x1, y1)
            left, top, right, bottom = pixel_box(marked, scale, canvas.size)
            draw.rectangle((left, top, max(left, right - 1), max(top, bottom - 1)),
                           outline=(255, 140, 0), width=2 * width)
            draw.text((max(0, left - size), top), "!", font=font, fill=(255, 140, 0))
        buffer = io.BytesIO()
        canvas.save(buffer, format="PNG", compress_level=3)
        output.append(buffer.getvalue())
    return output
