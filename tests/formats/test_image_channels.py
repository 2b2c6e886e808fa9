"""Secrets in JPEG and PNG metadata, thumbnails and trailing bytes: found before, gone after."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from papka import media
from papka.formats import plan_redaction, redact, redact_as_planned
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

JPEGS = planted.jpeg_channels()
PNGS = planted.png_channels()
CASES = {f"jpeg-{k}": (v[0], v[1], media.JPEG) for k, v in JPEGS.items()}
CASES |= {f"png-{k}": (v[0], v[1], media.PNG) for k, v in PNGS.items()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_finds_the_planted_secret(case: str) -> None:
    data, secret, kind = CASES[case]
    assert not verify(data, kind, [secret], ocr=False).ok


@pytest.mark.parametrize("case", sorted(CASES))
def test_burned_image_is_clean_and_keeps_the_picture(case: str) -> None:
    require_tool("tesseract")
    data, secret, kind = CASES[case]
    redacted = redact(data, kind, preset=None, hide=[secret], ocr=False)
    assert redacted.media_type == kind
    assert verify(redacted.data, kind, [secret], ocr=False).ok
    with Image.open(io.BytesIO(redacted.data)) as picture:
        assert not picture.getexif()
        assert "icc_profile" not in picture.info
        assert "comment" not in picture.info
        assert not getattr(picture, "text", {})
    kept = verify(redacted.data, kind, [planted.KEEP], ocr=True)
    assert "image-ocr" in kept.failures


def test_thumbnail_showing_the_unredacted_picture_is_caught() -> None:
    data, _, _ = CASES["jpeg-exif-thumbnail"]
    assert "image-thumbnail" in verify(data, media.JPEG, [], ocr=False).failures


def test_gps_position_is_caught_without_any_string() -> None:
    data, _, _ = CASES["jpeg-exif-gps"]
    assert "image-gps" in verify(data, media.JPEG, [], ocr=False).failures


def test_orientation_is_applied_before_boxes() -> None:
    # A photo stored sideways with EXIF orientation 6 (rotate 90° clockwise to display).
    shown = planted.picture(size=(600, 300))
    stored = shown.rotate(90, expand=True)  # what the camera wrote
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(buffer, format="JPEG", exif=exif.tobytes())
    plan = plan_redaction(buffer.getvalue(), media.JPEG, preset=None, ocr=False,
                          boxes=[(0, 0, 0, 300, 150)])
    assert (plan.pages[0].width, plan.pages[0].height) == (600, 300)
    redacted = redact_as_planned(buffer.getvalue(), media.JPEG, plan, ocr=False)
    with Image.open(io.BytesIO(redacted.data)) as picture:
        assert picture.size == (600, 300)
        assert not picture.getexif()
        gray = picture.convert("L")
        # The box sits at the top-left of the picture as displayed, fully black.
        assert gray.crop((0, 0, 300, 150)).getextrema()[1] < 40
        assert gray.crop((310, 160, 600, 300)).getextrema()[1] > 200


def test_secret_in_the_pixels_is_found_by_ocr_and_burned() -> None:
    require_tool("tesseract")
    data = planted.png(planted.picture(secret=planted.NAME))
    assert "image-ocr" in verify(data, media.PNG, [planted.NAME], ocr=True).failures
    plan = plan_redaction(data, media.PNG, preset=None, hide=[planted.NAME], ocr=True)
    assert plan.boxes(), "OCR should locate the name"
    assert all(box.source == "detected" for box in plan.boxes())
    redacted = redact(data, media.PNG, preset=None, hide=[planted.NAME], ocr=True)
    assert verify(redacted.data, media.PNG, [planted.NAME], ocr=True).ok
    assert "image-ocr" in verify(redacted.data, media.PNG, [planted.KEEP], ocr=True).failures
