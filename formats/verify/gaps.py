"""The width channel of a copy that keeps its text: does the gap at a box tell what it hid?

A copy made with text kept paints each removed run as one black box whose width is fixed by
its height (:data:`BOX_WIDTH_PER_HEIGHT`), and sets the line again around it. This check reads
the copy as a recipient would (pypdfium2: the page's filled paths and the characters' boxes),
finds every black box with text on its line, and measures the gap left on the line: from the
end of the text before the box to the start of the text after it. The gap must equal the
width the rule gives for the box's height, within :data:`GAP_TOLERANCE_PT`; no character may
lie under a box. It imports nothing of the code that redacts (tests/formats/test_verify.py).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from papka.formats.verify.report import Report

#: A box is this many times as wide as it is high, whatever it hides.
BOX_WIDTH_PER_HEIGHT = 4.0
#: A box spans this many times the font size: from 0.3 below the baseline to 1.0 above it,
#: which holds the letters' ascenders and descenders of common fonts.
BOX_HEIGHT_EMS = 1.3
#: The text either side stays this many times the box's height away from it, so a box never
#: touches a letter; the spaces beside a removed run go with it (readers do not agree on
#: whether a lone space glyph is text).
BOX_MARGIN_PER_HEIGHT = 0.2
#: How far a measured gap may lie from the rule.
GAP_TOLERANCE_PT = 0.5


def box_height(size: float) -> float:
    """The height of the box painted over text of this size (points)."""
    return BOX_HEIGHT_EMS * size


def box_width(height: float) -> float:
    """The width every box of this height has, whatever it hides."""
    return BOX_WIDTH_PER_HEIGHT * height


def box_margin(height: float) -> float:
    """The room between a box of this height and the text either side of it."""
    return BOX_MARGIN_PER_HEIGHT * height


@dataclass(frozen=True)
class _Char:
    left: float
    bottom: float
    right: float
    top: float


def _black_rectangles(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    found = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=0):
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, ctypes.byref(fill), ctypes.byref(stroke)):
            continue
        if fill.value == 0:
            continue
        r, g, b, a = (ctypes.c_uint() for _ in range(4))
        if not pdfium_c.FPDFPageObj_GetFillColor(obj.raw, ctypes.byref(r), ctypes.byref(g),
                                                 ctypes.byref(b), ctypes.byref(a)):
            continue
        if max(r.value, g.value, b.value) > 16 or a.value < 250:
            continue
        left, bottom, right, top = obj.get_bounds()
        found.append((float(left), float(bottom), float(right), float(top)))
    return found


def _chars(page: pdfium.PdfPage) -> list[_Char]:
    textpage = page.get_textpage()
    try:
        chars = []
        for index in range(textpage.count_chars()):
            if pdfium_c.FPDFText_IsGenerated(textpage, index):
                continue
            code = pdfium_c.FPDFText_GetUnicode(textpage, index)
            if code in (0x0D, 0x0A, 0x02):
                continue
            try:
                left, bottom, right, top = textpage.get_charbox(index, loose=True)
            except pdfium.PdfiumError:
                continue
            if top > bottom:
                chars.append(_Char(left, bottom, right, top))
        return chars
    finally:
        textpage.close()


def page_gaps(page: pdfium.PdfPage) -> tuple[list[float], bool]:
    """For each black box with text on its line: how far the gap lies from the rule; and
    whether any character lies under a box."""
    chars = _chars(page)
    deviations: list[float] = []
    covered = False
    for left, bottom, right, top in _black_rectangles(page):
        height = top - bottom
        if height <= 0:
            continue
        band = [c for c in chars if bottom - 0.01 <= (c.bottom + c.top) / 2 <= top + 0.01
                and c.top - c.bottom <= height + GAP_TOLERANCE_PT]
        reach = 2 * height
        before = [c.right for c in band if left - reach <= c.right <= left + GAP_TOLERANCE_PT]
        after = [c.left for c in band if right - GAP_TOLERANCE_PT <= c.left <= right + reach]
        under = [c for c in band if left + GAP_TOLERANCE_PT < (c.left + c.right) / 2
                 < right - GAP_TOLERANCE_PT]
        if not before and not after:
            continue  # a black shape with no text beside it: not a box over a line
        if under:
            covered = True
        margin = box_margin(height)
        deviations.append(abs((right - left) - box_width(height)))
        if before:
            deviations.append(abs((left - margin) - max(before)))
        if after:
            deviations.append(abs(min(after) - (right + margin)))
        if before and after:
            # The gap itself: what a reader measures between the words either side.
            deviations.append(abs((min(after) - max(before))
                                  - (box_width(height) + 2 * margin)))
    return deviations, covered


def verify_gaps(report: Report, data: bytes) -> None:
    """Fail pdf-box-gap when a gap at a box differs from the rule by more than the tolerance,
    pdf-box-text when a character lies under a box."""
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        report.fail("pdf-box-gap")
        return
    try:
        for index in range(len(document)):
            page = document[index]
            try:
                deviations, covered = page_gaps(page)
            finally:
                page.close()
            if any(d > GAP_TOLERANCE_PT for d in deviations):
                report.fail("pdf-box-gap")
            if covered:
                report.fail("pdf-box-text")
    finally:
        document.close()
