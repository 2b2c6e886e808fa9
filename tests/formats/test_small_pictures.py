"""A picture whose letters are too small to read reliably is refused, never passed as read.

Reduced far enough, a photo of a paper still reads "well" (most words with confidence) while
Tesseract misreads its identifiers, and the check of the redacted copy misreads them alike:
the copy passed with exit 0 and the military ID on it. papka measures the letters (the median
width per letter of the words read with confidence, in the picture's own pixels, also for a
small photo placed on a PDF page) and counts a page below views.MIN_LETTER_WIDTH as unreadable.
"""

from __future__ import annotations

import io
import textwrap

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from papka import media
from papka.formats import UnreadablePages, fonts, plan_redaction, redact, views
from papka.formats.pdf import open_document, picture_scale
from papka.formats.reading import SMALLEST_LETTERS, PageReading
from tests.conftest import require_tool
from tests.formats.test_detect import MILITARY_ID


def _sheet(text: str, blur: float, *, tilt: float = 1.5, pitch: int = 45) -> Image.Image:
    """`text` on a sheet at about 200 dpi, a line every `pitch` pixels, tilted by `tilt`
    degrees and blurred by `blur` pixels."""
    font = ImageFont.truetype(str(fonts.REGULAR), 30)
    lines = [line for paragraph in text.split("\n")
             for line in (textwrap.wrap(paragraph, 80) or [""])]
    sheet = Image.new("L", (1654, 2339), 235)
    draw = ImageDraw.Draw(sheet)
    for number, line in enumerate(lines):
        draw.text((80, 60 + number * pitch), line, font=font, fill=40)
    if tilt:
        sheet = sheet.rotate(tilt, resample=Image.Resampling.BICUBIC, expand=True,
                             fillcolor=235)
    return sheet.filter(ImageFilter.GaussianBlur(blur)) if blur else sheet


def _paper(scale: float) -> Image.Image:
    """The military ID's text, slightly blurred, then reduced by `scale` (a photo taken from
    far, or a messenger's preview)."""
    sheet = _sheet(MILITARY_ID, 1.2)
    return sheet.resize((round(sheet.width * scale), round(sheet.height * scale)),
                        Image.Resampling.LANCZOS)


def _jpeg(picture: Image.Image) -> bytes:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def _on_a4_page(picture: Image.Image) -> bytes:
    """The picture filling an A4 page of a PDF, as a scanning app stores a photo."""
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="PDF", resolution=picture.width / (595 / 72))
    return buffer.getvalue()


def test_a_small_photos_page_is_unreadable_and_nothing_is_kept() -> None:
    require_tool("tesseract")
    data = _jpeg(_paper(0.3))
    plan = plan_redaction(data, media.JPEG, preset="ru-personal")
    reading = plan.readings[0]
    # Tesseract read most of it with confidence: by that measure alone it "read well".
    assert reading.confident_words >= 0.6 * reading.words and reading.confident_words >= 10
    assert reading.status == "unreadable" and reading.too_small
    assert 0 < reading.letter_width < SMALLEST_LETTERS
    with pytest.raises(UnreadablePages):
        redact(data, media.JPEG)


def test_the_same_paper_larger_reads_and_is_redacted() -> None:
    require_tool("tesseract")
    data = _jpeg(_paper(0.5))
    plan = plan_redaction(data, media.JPEG, preset="ru-personal")
    reading = plan.readings[0]
    assert reading.status == "read" and reading.letter_width >= SMALLEST_LETTERS
    redacted = redact(data, media.JPEG)
    assert redacted.log.by_category().get("military-id", 0) >= 1


def test_a_small_photo_on_a_pdf_page_is_measured_in_its_own_pixels() -> None:
    require_tool("tesseract")
    picture = _paper(0.3)
    data = _on_a4_page(picture)
    with open_document(data) as document:
        page = document[0]
        try:
            # Rendered at planning's 200 dpi the page is about 1650 pixels wide: the photo's
            # letters look almost three times as large as they are.
            assert picture_scale(page, 200) == pytest.approx(picture.width / (8.27 * 200),
                                                             rel=0.02)
        finally:
            page.close()
    plan = plan_redaction(data, media.PDF, preset="ru-personal")
    assert plan.readings[0].status == "unreadable" and plan.readings[0].too_small


def test_a_page_without_a_picture_or_with_a_fine_one_keeps_its_scale() -> None:
    fine = Image.new("RGB", (3000, 4000), "white")
    with open_document(_on_a4_page(fine)) as document:
        page = document[0]
        try:
            assert picture_scale(page, 200) == 1.0
        finally:
            page.close()
    at_300_dpi = Image.new("RGB", (2480, 3508), "white")
    buffer = io.BytesIO()
    at_300_dpi.save(buffer, format="PDF", resolution=300)
    with open_document(buffer.getvalue()) as document:
        page = document[0]
        try:
            assert picture_scale(page, 200) == 1.0
        finally:
            page.close()


def test_the_floor_is_the_one_plans_speak_of() -> None:
    assert views.MIN_LETTER_WIDTH == SMALLEST_LETTERS
    assert PageReading(0, "unreadable", letter_width=5.5).too_small
    assert not PageReading(0, "unreadable").too_small          # unreadable for other reasons
    assert not PageReading(0, "read", letter_width=9.0).too_small


def _blurred(scale: float, blur: float) -> bytes:
    """The criminal case's text on a sheet, out of focus (Gaussian blur of `blur` pixels at
    200 dpi), reduced by `scale`."""
    from tests.formats.test_detect import CRIMINAL_CASE

    sheet = _sheet(CRIMINAL_CASE, blur)
    sheet = sheet.resize((int(sheet.width * scale), int(sheet.height * scale)),
                         Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    sheet.convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def test_a_blurred_photo_read_with_little_confidence_is_unreadable() -> None:
    """Out of focus, the criminal case read about 62 % confident: under a 60 % share it counted
    as read while a name and both unit numbers were misread, and the copy passed."""
    require_tool("tesseract")
    data = _blurred(0.6, 3.0)
    plan = plan_redaction(data, media.JPEG, preset="ru-personal")
    reading = plan.readings[0]
    assert reading.status == "unreadable" and not reading.too_small
    assert reading.letter_width >= SMALLEST_LETTERS or reading.letter_width == 0
    assert reading.confident_words >= 0.5 * reading.words
    with pytest.raises(UnreadablePages):
        redact(data, media.JPEG)
    # In focus, the same paper reads and is redacted.
    sharp = _blurred(0.6, 1.2)
    assert plan_redaction(sharp, media.JPEG, preset="ru-personal").readings[0].status == "read"
