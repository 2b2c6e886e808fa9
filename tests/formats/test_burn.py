"""Planning, review, burning and the verification gate, end to end."""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from papka import media
from papka.formats import (
    RedactionNotVerified,
    plan_redaction,
    redact,
    redact_as_planned,
    render_preview,
)
from papka.formats.burn import WITHHELD, burn
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

LINE = f"Мать: {planted.NAME}, тел. {planted.PHONE}, {planted.UNIT}"


def _letter() -> bytes:
    return planted.canvas_pdf(lambda page: page.drawString(72, 700, LINE))


def test_detectors_find_identifiers_without_a_list() -> None:
    plan = plan_redaction(_letter(), media.PDF, preset="ru-personal", ocr=False, use_ner=False)
    categories = plan.summary().by_category()
    assert categories.get("phone") == 1
    assert categories.get("military-unit") == 1
    redacted = redact(_letter(), media.PDF, preset="ru-personal", ocr=False, use_ner=False,
                      dpi=72)
    assert verify(redacted.data, media.PDF, [planted.PHONE, planted.UNIT], ocr=False).ok


def test_keeper_names_are_found_in_other_grammatical_cases() -> None:
    data = planted.canvas_pdf(
        lambda page: page.drawString(72, 700, "Выдано Ивановой Марии Петровне"))
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.NAME], ocr=False)
    assert plan.boxes()


def test_preview_outlines_and_numbers_every_box() -> None:
    plan = plan_redaction(_letter(), media.PDF, preset=None, hide=[planted.NAME], ocr=False,
                          boxes=[(0, 72, 100, 200, 120)])
    pages = render_preview(_letter(), media.PDF, plan, dpi=72)
    assert len(pages) == 1
    with Image.open(io.BytesIO(pages[0])) as picture:
        assert abs(picture.width - 595) <= 1 and abs(picture.height - 842) <= 1
        rgb = picture.convert("RGB")
        detected = plan.boxes()[0]
        edge = rgb.getpixel((int(detected.x0), round((detected.y0 + detected.y1) / 2)))
        assert edge[0] > 180 and edge[1] < 80  # red outline for detected boxes
        manual = rgb.getpixel((100, 119))
        assert manual[2] > 180 and manual[0] < 80  # blue outline for the keeper's boxes
        assert not picture.info.get("exif")


def test_dropping_a_box_keeps_that_text_and_the_gate_refuses() -> None:
    require_tool("tesseract")
    plan = plan_redaction(_letter(), media.PDF, preset=None, hide=[planted.NAME], ocr=False)
    plan.drop(plan.boxes()[0].number)
    with pytest.raises(RedactionNotVerified) as caught:
        redact_as_planned(_letter(), media.PDF, plan, ocr=True, dpi=150)
    assert "pdf-ocr" in caught.value.failures
    assert planted.NAME not in caught.value.message


def test_manual_boxes_burn_what_no_detector_saw() -> None:
    plan = plan_redaction(_letter(), media.PDF, preset=None, ocr=False,
                          boxes=[(0, 0, 0, 595, 200)])
    redacted = burn(_letter(), media.PDF, plan, dpi=50)
    document = pdfium.PdfDocument(redacted.data)
    try:
        picture = document[0].render(scale=50 / 72).to_pil().convert("L")
    finally:
        document.close()
    assert picture.crop((0, 0, picture.width, 130)).getextrema() == (0, 0)
    assert redacted.log.by_category() == {"manual": 1}


def test_rotated_page_boxes_land_on_the_text() -> None:
    def rotate(document: pikepdf.Pdf) -> None:
        document.pages[0].obj.Rotate = 90

    data = planted.with_pikepdf(_letter(), rotate)
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.NAME], ocr=False)
    assert (round(plan.pages[0].width), round(plan.pages[0].height)) == (842, 595)
    redacted = burn(data, media.PDF, plan, dpi=72)
    document = pdfium.PdfDocument(redacted.data)
    try:
        picture = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    # Drawn at x=72.., y=700 in the page's own space; shown turned 90°: X = y, Y = x.
    name_start = 72 + 50  # after "Мать: " at 14 pt
    strip = picture.crop((700, name_start, 712, name_start + 140))
    assert strip.getextrema()[1] < 60
    assert len(plan.boxes()) == 1  # one box for the whole name, not one per letter


def test_docx_text_version_marks_manual_boxes() -> None:
    data = planted.docx_channels()["visible-body"]
    plan = plan_redaction(data, media.DOCX, preset=None, ocr=False)
    plan.add_box(0, 0, 0, 595, 842)
    redacted = burn(data, media.DOCX, plan, dpi=50)
    assert redacted.text is not None
    assert planted.KEEP not in redacted.text and WITHHELD in redacted.text


def test_scanned_pdf_is_read_by_ocr_and_burned() -> None:
    require_tool("tesseract")
    scan = planted.picture(secret=planted.NAME, size=(1654, 900))

    def scanned(page) -> None:  # type: ignore[no-untyped-def]
        from reportlab.lib.utils import ImageReader

        page.drawImage(ImageReader(scan), 0, 300, 595, 324)

    data = planted.canvas_pdf(scanned)
    assert "pdf-ocr" in verify(data, media.PDF, [planted.NAME], ocr=True).failures
    redacted = redact(data, media.PDF, preset=None, hide=[planted.NAME], ocr=True, dpi=150)
    assert redacted.log.total >= 1
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=True).ok
    assert "pdf-ocr" in verify(redacted.data, media.PDF, [planted.KEEP], ocr=True).failures


def test_a_plan_for_another_kind_of_file_is_refused() -> None:
    plan = plan_redaction(_letter(), media.PDF, preset=None, ocr=False)
    with pytest.raises(Exception, match="different kind"):
        burn(planted.png(planted.picture()), media.PNG, plan)


def test_no_letter_tops_or_tails_stay_visible() -> None:
    # Й, Ё carry marks above the cap height; щ, у, д reach below the baseline.
    word = "Йёщуд Ёжиков"
    data = planted.canvas_pdf(lambda page: page.drawString(72, 700, f"Сосед: {word}, врач"))
    plan = plan_redaction(data, media.PDF, preset=None, hide=[word], ocr=False)
    dpi = 150
    redacted = burn(data, media.PDF, plan, dpi=dpi)
    scale = dpi / 72
    original = pdfium.PdfDocument(data)
    burned = pdfium.PdfDocument(redacted.data)
    try:
        page = original[0]
        before = page.render(scale=scale).to_pil().convert("L")
        after = burned[0].render(scale=scale).to_pil().convert("L")
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        start = text.index(word)
        height = page.get_height()
        for index in range(start, start + len(word)):
            if text[index] == " ":
                continue
            left, bottom, right, top = textpage.get_charbox(index)  # tight: the ink itself
            box = (int(left * scale) - 1, int((height - top) * scale) - 1,
                   int(right * scale) + 2, int((height - bottom) * scale) + 2)
            assert before.crop(box).getextrema()[0] < 128  # there was ink here
            assert after.crop(box).getextrema()[1] == 0  # and now it is all black
    finally:
        original.close()
        burned.close()
