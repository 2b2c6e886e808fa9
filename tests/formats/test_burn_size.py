"""How burned pages are stored: black and white pages as CCITT Group 4 (lossless), photographs
as JPEG at JPEG_QUALITY, with the boxes still black and the copy still verified."""

from __future__ import annotations

import io
import random
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from papka import media
from papka.formats import burn as burning
from papka.formats import (
    fonts,
    mixed_page,
    ocr,
    pdf,
    plan_redaction,
    redact,
    redact_as_planned,
)
from papka.formats.burn import JPEG_QUALITY, EncodedPage, bilevel_loss, burn, encode_page
from papka.formats.verify import verify
from tests.conftest import require_tool
from tests.formats import planted

DPI = 200
FONT = ImageFont.truetype(str(fonts.REGULAR), 36)


def _picture_pdf(picture: Image.Image) -> bytes:
    """A one-page PDF showing the picture at 200 dpi, as a scanner makes it (JPEG, no text)."""
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=80)
    return pdf.build_pdf([pdf.PageImage(buffer.getvalue(), picture.width, picture.height,
                                        picture.width * 72 / DPI, picture.height * 72 / DPI)])


def _grain(size: tuple[int, int], seed: int) -> Image.Image:
    """Uniform grain from a seeded generator (Image.effect_noise would draw on the C library's
    shared random state and change the pictures other tests make after these)."""
    return Image.frombytes("L", size, random.Random(seed).randbytes(size[0] * size[1]))


def _text_scan(size: tuple[int, int] = (1650, 1200)) -> Image.Image:
    """A scanned letter: grey paper with scanner noise, dark grey text."""
    sheet = _grain(size, 1).point(lambda v: 235 + v // 16).convert("RGB")
    draw = ImageDraw.Draw(sheet)
    lines = [f"Мать: {planted.NAME}", f"Телефон: {planted.PHONE}", planted.KEEP] * 6
    for row, line in enumerate(lines):
        draw.text((120, 80 + row * 60), line, font=FONT, fill=(25, 25, 25))
    return sheet


def _photo(size: tuple[int, int]) -> Image.Image:
    """A colour photograph: smooth colour gradients with grain."""
    red = Image.linear_gradient("L").resize(size)
    green = Image.radial_gradient("L").resize(size)
    grain = _grain(size, 2).point(lambda v: 108 + v // 6)
    blue = ImageChops.add(grain, red.rotate(90).resize(size), scale=2)
    return Image.merge("RGB", (red, green, blue))


def _filters(data: bytes) -> list[str]:
    with pikepdf.open(io.BytesIO(data)) as document:
        return [str(image.Filter) for page in document.pages
                for image in page.get_images().values()]


def _page_pdf(encoded: EncodedPage, picture: Image.Image) -> bytes:
    sheet = pdf.PageImage(encoded.data, picture.width, picture.height,
                          picture.width * 72 / DPI, picture.height * 72 / DPI,
                          gray=encoded.gray, encoding=encoded.encoding)
    return pdf.build_pdf([sheet])


def test_black_and_white_pages_decode_to_exactly_the_burned_pixels(tmp_path: Path) -> None:
    """Group 4 is lossless: pdfium, poppler and qpdf give back the thresholded pixels."""
    pdftoppm = require_tool("pdftoppm")
    page = _text_scan().convert("L")
    ImageDraw.Draw(page).rectangle((300, 140, 1100, 200), fill=0)
    judged = bilevel_loss(page)
    assert judged is not None
    expected = judged[0].convert("L")
    encoded = encode_page(page)
    assert encoded.encoding == "g4"
    data = _page_pdf(encoded, page)
    with pikepdf.open(io.BytesIO(data)) as document:
        image = next(iter(document.pages[0].get_images().values()))
        assert image.Filter == pikepdf.Name.CCITTFaxDecode
        decoded = pikepdf.PdfImage(image).as_pil_image().convert("L")
    assert ImageChops.difference(decoded, expected).getbbox() is None
    document = pdfium.PdfDocument(data)
    rendered = document[0].render(scale=DPI / 72).to_pil().convert("L")
    document.close()
    assert rendered.size == expected.size
    assert ImageChops.difference(rendered, expected).getbbox() is None
    # Poppler: its own decoder gives back the pixels (pdfimages), and pdftoppm draws the page
    # exactly as it draws the same pixels stored losslessly as 8-bit Flate (its image scaling
    # is not pixel-exact even at 200 dpi, so the page is compared with that, not with pixels).
    pdfimages = require_tool("pdfimages")
    flate = _page_pdf(EncodedPage(zlib.compress(expected.tobytes()), "flate", True), expected)
    (tmp_path / "g4.pdf").write_bytes(data)
    (tmp_path / "flate.pdf").write_bytes(flate)
    subprocess.run([pdfimages, "-png", str(tmp_path / "g4.pdf"), str(tmp_path / "image")],
                   check=True, timeout=120)
    with Image.open(tmp_path / "image-000.png") as extracted:
        assert ImageChops.difference(extracted.convert("L"), expected).getbbox() is None
    drawn = []
    for name in ("g4", "flate"):
        subprocess.run([pdftoppm, "-r", str(DPI), "-gray", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True, timeout=120)
        with Image.open(next(tmp_path.glob(f"{name}-*.pgm"))) as poppler:
            drawn.append(poppler.convert("L"))
    assert drawn[0].size == expected.size
    assert ImageChops.difference(drawn[0], drawn[1]).getbbox() is None


def test_photographs_are_jpeg_at_the_stated_quality() -> None:
    page = _photo((900, 700))
    encoded = encode_page(page)
    assert encoded.encoding == "jpeg" and not encoded.gray
    reference = io.BytesIO()
    page.save(reference, format="JPEG", quality=JPEG_QUALITY)
    with Image.open(io.BytesIO(encoded.data)) as stored, Image.open(reference) as made:
        assert stored.quantization == made.quantization  # type: ignore[attr-defined]


def test_which_pages_are_black_and_white() -> None:
    """The rule: text and lines go to Group 4; a photo, faint grey text or colour do not."""
    text = _text_scan().convert("L")
    assert encode_page(text).encoding == "g4"
    shaded = text.copy()
    ImageDraw.Draw(shaded).rectangle((100, 1000, 1500, 1150), fill=222)  # a table's tint
    assert encode_page(shaded).encoding == "g4"
    faint = text.copy()
    for row in range(4):
        ImageDraw.Draw(faint).text((120, 900 + row * 50), planted.KEEP, font=FONT, fill=170)
    judged = bilevel_loss(faint)
    assert judged is not None and judged[1] > burning.BILEVEL_LOST_SHARE
    assert encode_page(faint).encoding != "g4"
    mixed = _text_scan()
    mixed.paste(_photo((400, 300)), (1100, 700))
    assert encode_page(mixed).stored_as == "mixed"   # text over a photograph: split
    grey_photo = text.copy()
    grey_photo.paste(_photo((300, 220)).convert("L"), (1100, 700))
    judged = bilevel_loss(grey_photo)
    assert judged is not None and judged[1] > burning.BILEVEL_LOST_SHARE
    assert encode_page(grey_photo).stored_as == "mixed"
    stamped = _text_scan()
    ImageDraw.Draw(stamped).ellipse((1000, 700, 1400, 1100), outline=(40, 60, 200), width=12)
    stamped_page = encode_page(stamped)
    assert stamped_page.stored_as != "g4" and not stamped_page.gray
    photo = encode_page(_photo((900, 700)))   # no text to split off
    assert photo.stored_as == "jpeg"


def _old_encoder(picture: Image.Image) -> EncodedPage:
    """How burned pages were stored before: the smaller of JPEG (quality 88) and Flate."""
    red, green, blue = picture.split()
    if (ImageChops.difference(red, green).getbbox() is None
            and ImageChops.difference(green, blue).getbbox() is None):
        picture = red
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=88)
    flate = zlib.compress(picture.tobytes(), 6)
    if len(flate) < len(buffer.getvalue()):
        return EncodedPage(flate, "flate", picture.mode == "L")
    return EncodedPage(buffer.getvalue(), "jpeg", picture.mode == "L")


def test_a_text_scan_shrinks_and_still_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _picture_pdf(_text_scan())
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.PHONE], ocr=False,
                          boxes=[(0, 40, 30, 400, 60)])
    now = burn(data, media.PDF, plan, dpi=DPI)
    assert _filters(now.data) == ["/CCITTFaxDecode"]
    assert verify(now.data, media.PDF, [planted.PHONE], ocr=False).ok
    monkeypatch.setattr(burning, "encode_page", _old_encoder)
    before = burn(data, media.PDF, plan, dpi=DPI)
    assert _filters(before.data) == ["/DCTDecode"]
    # Measured about 40 times smaller; a quarter leaves room for any Pillow or zlib.
    assert len(now.data) * 4 < len(before.data)


def test_a_born_digital_letter_burns_to_group4_and_verifies() -> None:
    data = planted.canvas_pdf(lambda page: page.drawString(72, 700, f"Мать: {planted.NAME}"))
    result = redact(data, media.PDF, preset=None, hide=[planted.NAME], ocr=False, dpi=DPI)
    assert _filters(result.data) == ["/CCITTFaxDecode"]
    assert verify(result.data, media.PDF, [planted.NAME], ocr=False).ok
    assert "pdfium-text" in verify(data, media.PDF, [planted.NAME], ocr=False).failures


def test_boxes_on_jpeg_pages_stay_black_and_hide_the_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A box over text on a photograph stored as one JPEG (the mixed split turned off here;
    tests/formats/test_mixed_page.py covers split pages): the box's inside decodes black, and
    neither Tesseract on the stretched box nor the OCR verification reads the secret."""
    require_tool("tesseract")
    monkeypatch.setattr(mixed_page, "split_page", lambda picture: None)
    page = _photo((1400, 900))
    draw = ImageDraw.Draw(page)
    draw.rectangle((80, 330, 1320, 470), fill=(235, 235, 235))
    draw.text((100, 360), planted.PHONE, font=ImageFont.truetype(str(fonts.REGULAR), 72),
              fill=(0, 0, 0))
    data = _picture_pdf(page)
    assert "pdf-ocr" in verify(data, media.PDF, [planted.PHONE], ocr=True).failures
    box = (0, 60 * 72 / DPI, 300 * 72 / DPI, 1340 * 72 / DPI, 450 * 72 / DPI)
    plan = plan_redaction(data, media.PDF, preset=None, hide=[planted.PHONE], ocr=False,
                          boxes=[box])
    result = redact_as_planned(data, media.PDF, plan, ocr=True, dpi=DPI)
    with pikepdf.open(io.BytesIO(result.data)) as document:
        image = next(iter(document.pages[0].get_images().values()))
        assert image.Filter == pikepdf.Name.DCTDecode
        stored = Image.open(io.BytesIO(bytes(image.read_raw_bytes()))).convert("L")
    left, top, right, bottom = 60, 300, 1340, 450
    # Whole 16-pixel blocks inside the box carry nothing but black.
    inside = stored.crop((left + 16, top + 16, right - 16, bottom - 16))
    assert max(inside.getextrema()) <= 2  # type: ignore[operator]
    # The box with its edge blocks, contrast stretched to the utmost, reads as nothing.
    stretched = ImageOps.autocontrast(stored.crop((left + 2, top + 2, right - 2, bottom - 2)))
    digits = "".join(c for c in ocr.read_text(stretched, dpi=DPI) if c.isdigit())
    assert "912" not in digits and "345" not in digits
    assert verify(result.data, media.PDF, [planted.PHONE], ocr=True).ok


def test_a_page_blacked_out_whole_or_blank_is_black_and_white() -> None:
    for tone in (0, 255):
        page = Image.new("RGB", (800, 600), (tone, tone, tone))
        encoded = encode_page(page)
        assert encoded.encoding == "g4"
        with pikepdf.open(io.BytesIO(_page_pdf(encoded, page))) as document:
            image = next(iter(document.pages[0].get_images().values()))
            decoded = pikepdf.PdfImage(image).as_pil_image().convert("L")
        assert decoded.getextrema() == (tone, tone)
    assert encode_page(Image.new("L", (800, 600), 128)).encoding != "g4"


def test_a_burned_photo_stays_a_jpeg_at_the_stated_quality() -> None:
    photo = _photo((900, 700))
    source = io.BytesIO()
    photo.save(source, format="JPEG", quality=95)
    plan = plan_redaction(source.getvalue(), media.JPEG, preset=None, ocr=False,
                          boxes=[(0, 100, 100, 400, 200)])
    result = burn(source.getvalue(), media.JPEG, plan)
    assert result.media_type == media.JPEG
    reference = io.BytesIO()
    photo.save(reference, format="JPEG", quality=JPEG_QUALITY)
    with Image.open(io.BytesIO(result.data)) as stored, Image.open(reference) as made:
        assert stored.quantization == made.quantization  # type: ignore[attr-defined]
        inside = stored.convert("L").crop((116, 116, 384, 184))
        assert max(inside.getextrema()) <= 2  # type: ignore[operator]


def test_a_screenshot_with_flat_colours_is_stored_losslessly() -> None:
    """Flate is tried on a sample first; a page of flat colours still gets it whole."""
    page = Image.new("RGB", (1200, 900), (250, 250, 250))
    draw = ImageDraw.Draw(page)
    for row, colour in enumerate([(200, 40, 40), (40, 160, 60), (40, 60, 200)]):
        draw.rectangle((100, 100 + row * 250, 1100, 300 + row * 250), fill=colour)
    encoded = encode_page(page)
    assert encoded.stored_as == "flate"
    assert zlib.decompress(encoded.data) == page.tobytes()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_black_and_white_layers_are_the_pixels_pillow_would_dither(seed: int) -> None:
    """Group 4 pages and mixed pages' layers are converted to black and white without
    dithering; with only 0 and 255 in the picture that must change no pixel."""
    from papka.formats import mixed_page

    rng = random.Random(seed)
    size = (rng.randint(1, 300), rng.randint(1, 300))
    picture = Image.frombytes("L", size, bytes(rng.choice((0, 255))
                                               for _ in range(size[0] * size[1])))
    assert burning._bilevel(picture).tobytes() == picture.convert("1").tobytes()
    layer = picture.point(lambda v: 255 - v)
    assert mixed_page._as_bilevel(layer).tobytes() == picture.convert("1").tobytes()


def _flate_the_old_way(picture: Image.Image, smallest: int) -> bytes | None:
    """Flate's sample compressed whole, as burning judged it before it stopped early."""
    bands = range(0, picture.height, burning.FLATE_SAMPLE_ROWS * burning.FLATE_SAMPLE_STEP)
    sample = b"".join(picture.crop((0, top, picture.width, min(
        picture.height, top + burning.FLATE_SAMPLE_ROWS))).tobytes() for top in bands)
    rows = sum(min(burning.FLATE_SAMPLE_ROWS, picture.height - top) for top in bands)
    if len(zlib.compress(sample, 6)) * picture.height / max(1, rows) > 2 * smallest:
        return None
    flate = zlib.compress(picture.tobytes(), 6)
    return flate if len(flate) < smallest else None


def test_flate_stopping_early_gives_the_same_answer() -> None:
    rng = random.Random(5)
    noise = Image.frombytes("L", (300, 400), rng.randbytes(300 * 400))
    flat = Image.new("RGB", (300, 400), (230, 240, 250))
    ImageDraw.Draw(flat).rectangle((20, 30, 200, 90), fill=(10, 90, 200))
    for picture in (noise, flat, noise.convert("RGB")):
        whole = len(zlib.compress(picture.tobytes(), 6))
        for smallest in sorted({1, 50, whole // 4, whole // 2, whole - 1, whole, whole + 1,
                                2 * whole, 10 * whole}):
            assert burning._flate_if_smaller(picture, smallest) == \
                _flate_the_old_way(picture, smallest)
