"""Other image types, plain text, previews of images, and the OCR time limit."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from papka import media
from papka.formats import limits, ocr, plan_redaction, redact, render_preview
from papka.formats.sanitize import sanitize
from papka.formats.verify import verify, verify_text
from tests.conftest import require_tool
from tests.formats import planted


@pytest.mark.parametrize("kind", ["GIF", "WEBP", "TIFF"])
def test_other_image_types_sanitise_to_png_with_the_same_pixels(kind: str) -> None:
    source = planted.picture(size=(300, 150)).convert("P" if kind == "GIF" else "RGB")
    buffer = io.BytesIO()
    options = {"lossless": True} if kind == "WEBP" else {}
    source.save(buffer, format=kind, **options)
    result = sanitize(buffer.getvalue(), getattr(media, kind))
    assert result.media_type == media.PNG
    with Image.open(io.BytesIO(result.data)) as clean, Image.open(buffer) as original:
        assert clean.convert("RGB").tobytes() == original.convert("RGB").tobytes()
        assert not clean.info.get("exif")


def test_tiff_description_is_found_and_burned_away() -> None:
    buffer = io.BytesIO()
    planted.picture(size=(300, 150)).save(buffer, format="TIFF",
                                          tiffinfo={270: planted.NAME_LATIN})
    assert not verify(buffer.getvalue(), media.TIFF, [planted.NAME_LATIN], ocr=False).ok
    redacted = redact(buffer.getvalue(), media.TIFF, preset=None, hide=[planted.NAME_LATIN],
                      ocr=False)
    assert redacted.media_type == media.PNG
    assert verify(redacted.data, media.PNG, [planted.NAME_LATIN], ocr=False).ok


def test_plain_text_becomes_a_burned_pdf_and_a_marked_text() -> None:
    text = f"{planted.KEEP}\n\nМать: {planted.NAME}\n".encode()
    redacted = redact(text, media.TEXT, preset=None, hide=[planted.NAME], ocr=False, dpi=72)
    assert redacted.media_type == media.PDF
    assert redacted.text is not None and planted.KEEP in redacted.text
    assert verify_text(redacted.text, [planted.NAME]).ok
    assert verify(redacted.data, media.PDF, [planted.NAME], ocr=False).ok


def test_image_preview_is_shrunk_and_outlined() -> None:
    data = planted.png(planted.picture(size=(3200, 1600)))
    plan = plan_redaction(data, media.PNG, preset=None, ocr=False,
                          boxes=[(0, 100, 100, 1000, 400)])
    (preview,) = render_preview(data, media.PNG, plan)
    with Image.open(io.BytesIO(preview)) as picture:
        assert picture.size == (1600, 800)
        red, green, blue = picture.convert("RGB").getpixel((50, 120))
        assert blue > 180 and red < 80  # the keeper's box, outlined in blue


def test_ocr_has_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    require_tool("tesseract")
    monkeypatch.setattr(limits, "OCR_TIMEOUT_S", 0.001)
    with pytest.raises(ocr.OcrTimeout):
        ocr.read_text(planted.picture(), dpi=300)


def test_missing_tesseract_is_an_environment_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ocr.OcrUnavailable) as caught:
        ocr.read_text(planted.picture(), dpi=300)
    assert caught.value.exit_code == 3


def test_sixteen_bit_grey_scans_keep_their_tones() -> None:
    buffer = io.BytesIO()
    Image.new("I;16", (64, 32), 30000).save(buffer, format="PNG")
    redacted = redact(buffer.getvalue(), media.PNG, preset=None, ocr=False,
                      boxes=[(0, 0, 0, 32, 32)])
    with Image.open(io.BytesIO(redacted.data)) as picture:
        grey = picture.convert("L")
        assert grey.getpixel((10, 10)) == 0  # under the box
        assert 100 < grey.getpixel((50, 10)) < 130  # 30000 / 256, not clipped to white
